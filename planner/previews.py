"""Network previews of posts: the composer's, the post page's and the approver's.

The look of a post on its network is rules.preview (pure); this module gives it what the
database knows: the channel's name and handle, the post's group's files
(`images_of`, as `rules.preview.Image`s) and the first link's card from the link preview cache
(planner/link_previews.py). Reading previews never fetches anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from planner import link_previews
from planner.models import Channel, Media, Post, Workspace
from rules.preview import Image, LinkCard, Preview, first_link, preview

__all__ = ["Image", "Preview", "for_channel", "for_posts", "for_texts", "images_of"]

# (post, media row, "file" or "thumbnail") -> the address the page shows it at.
MediaUrl = Callable[[Post, Media, str], str]


def images_of(session: Session, posts: Sequence[Post], url: MediaUrl) -> dict[int, list[Image]]:
    """The pictures each post goes out with (its group's files, in order), one query: an image
    by its thumbnail, a video by its poster frame's."""
    groups = {p.group_id for p in posts}
    if not groups:
        return {}
    rows = session.scalars(
        sa.select(Media).where(Media.group_id.in_(groups)).order_by(Media.group_id, Media.position)
    ).all()
    by_group: dict[int, list[Media]] = {}
    for row in rows:
        by_group.setdefault(row.group_id, []).append(row)
    shown: dict[int, list[Image]] = {}
    for post in posts:
        images = []
        for row in by_group.get(post.group_id, []):
            if row.kind != "image" and not row.thumbnail_key:
                continue
            # The thumbnail keeps the file's proportions and spares the page its megabytes.
            which = "thumbnail" if row.thumbnail_key else "file"
            alt = row.alt_text or ("" if row.kind == "image" else "a video")
            images.append(Image(url(post, row, which), alt, row.width or 0, row.height or 0))
        shown[post.id] = images
    return shown


def for_channel(
    session: Session,
    workspace: Workspace,
    channel: Channel,
    text: str,
    images: Sequence[Image] = (),
    cards: Mapping[str, LinkCard] | None = None,
) -> Preview:
    """How `text` will look on `channel`'s network, with the first link's card if the cache
    has it (else a card saying it is fetched when the post is saved)."""
    link = first_link(text)
    card = None
    if link is not None:
        known = cards if cards is not None else link_previews.cards(session, workspace.id, [link])
        card = known.get(link) or LinkCard(link, pending=True)
    return preview(
        text,
        channel.network,
        name=channel.name,
        handle=channel.handle or "",
        images=tuple(images),
        card=card,
    )


def for_posts(
    session: Session,
    workspace: Workspace,
    posts: Iterable[Post],
    media_url: MediaUrl | None = None,
) -> dict[int, Preview]:
    """Each post's preview by post id, the link cards and the files each read in one query
    (the files when `media_url` says where the page shows them)."""
    posts = list(posts)
    images = images_of(session, posts, media_url) if media_url else {}
    links = [link for link in (first_link(p.text) for p in posts) if link]
    cards = link_previews.cards(session, workspace.id, links) if links else {}
    return {
        p.id: for_channel(session, workspace, p.channel, p.text, images.get(p.id, ()), cards)
        for p in posts
    }


def for_texts(
    session: Session, workspace: Workspace, pairs: Sequence[tuple[Channel, str]]
) -> list[Preview]:
    """Previews of (channel, text) pairs, as the composer has them before saving; the link
    cards read in one query."""
    links = [link for link in (first_link(text) for _c, text in pairs) if link]
    cards = link_previews.cards(session, workspace.id, links) if links else {}
    return [for_channel(session, workspace, c, text, (), cards) for c, text in pairs]
