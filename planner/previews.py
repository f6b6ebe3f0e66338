"""Network previews of posts: the composer's, the post page's and the approver's.

The look of a post on its network is rules.preview (pure); this module gives it what the
database knows: the channel's name and handle, the post's images (an input: the media work
passes them as `rules.preview.Image`s) and the first link's card from the link preview cache
(planner/link_previews.py). Reading previews never fetches anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy.orm import Session

from planner import link_previews
from planner.models import Channel, Post, Workspace
from rules.preview import Image, LinkCard, Preview, first_link, preview

__all__ = ["Image", "Preview", "for_channel", "for_posts", "for_texts"]


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
    images: Mapping[int, Sequence[Image]] | None = None,
) -> dict[int, Preview]:
    """Each post's preview by post id, the link cards read in one query; `images` by post id
    (none yet: the media work fills it in)."""
    posts = list(posts)
    links = [link for link in (first_link(p.text) for p in posts) if link]
    cards = link_previews.cards(session, workspace.id, links) if links else {}
    return {
        p.id: for_channel(
            session, workspace, p.channel, p.text, (images or {}).get(p.id, ()), cards
        )
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
