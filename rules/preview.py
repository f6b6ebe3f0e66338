"""How a post will look on its network: the preview beside the composer and in the approver's
view. Pure: the caller passes the text, the channel's name and handle, the images (url, alt,
width, height) and the link card it has (planner/link_previews.py keeps them); nothing here
fetches anything.

    >>> p = preview("New guide: https://www.example.com/guides/getting-started-with-planner",
    ...             "mastodon", name="Acme", handle="acme@social.example")
    >>> [s.text for s in p.visible]
    ['New guide: ', 'example.com/guides/getting-sta…']
    >>> p.handle, p.initials, str(p.length)
    ('@acme@social.example', 'A', '34/500 characters')

What each network does (the web clients as of 2025, approximations to plan by, not pixels):

- links: X shows t.co's display URL (no scheme, no "www.", 25 characters then "…"); Mastodon
  hides the scheme and "www." and cuts after 30 characters; Bluesky's app shows the host and
  the first 13 characters of a path longer than 15, then "..."; Instagram captions carry no
  links (shown as plain text); the others show the address as written.
- "see more": Instagram folds a caption after about 125 characters or 2 lines ("... more"),
  LinkedIn after about 210 characters or 3 lines ("...see more"), Facebook after about 480
  characters or 5 lines ("See more"), X after 280 (a long post of a Premium account, "Show
  more"); Mastodon, Bluesky and Threads show the whole text.
- images: each network crops a single image to a range of aspect ratios (X and Mastodon to
  16:9; Instagram, LinkedIn, Facebook and Threads keep it between 4:5 and 1.91:1; Bluesky
  between 1:2 and 2:1); several images show as square tiles.
- link cards: X, Mastodon, LinkedIn, Facebook and Threads build a card from the first link's
  page when the post has no image; Instagram never does; Bluesky only shows a card that the
  post itself carries, and Planner's Bluesky publisher attaches none.

The length counter is `rules.length.measure`, the one the rules and the publishers use.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

import grapheme

from rules.length import Length, measure

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # see rules/length.py: pkg_resources on import
    from twitter_text import extract_urls_with_indices

__all__ = [
    "STYLES",
    "Image",
    "LinkCard",
    "NetworkStyle",
    "Preview",
    "Segment",
    "first_link",
    "initials",
    "preview",
    "segments",
    "shorten_link",
]


@dataclass(frozen=True, slots=True)
class NetworkStyle:
    """What a network's feed does to a post: its name, how it shows links, where it folds the
    text, how it crops images and whether it builds a link card."""

    network: str
    label: str
    links: str  # "x", "mastodon", "bluesky", "plain" (not a link) or "full"
    fold_chars: int | None = None  # visible characters before the fold
    fold_lines: int | None = None  # lines before the fold
    more_label: str = ""
    # Aspect ratios (width / height) a single image is kept within; outside, it is cropped.
    min_ratio: float = 0.0
    max_ratio: float = float("inf")
    max_images: int = 4
    link_card: bool = True
    card_note: str = ""
    handle_prefix: str = "@"


STYLES: dict[str, NetworkStyle] = {
    style.network: style
    for style in (
        NetworkStyle(
            "x",
            "X",
            "x",
            fold_chars=280,
            more_label="Show more",
            min_ratio=16 / 9,
            max_ratio=16 / 9,
        ),
        NetworkStyle("mastodon", "Mastodon", "mastodon", min_ratio=16 / 9, max_ratio=16 / 9),
        NetworkStyle(
            "bluesky",
            "Bluesky",
            "bluesky",
            min_ratio=1 / 2,
            max_ratio=2,
            link_card=False,
            card_note="Bluesky shows a link card only when the post carries one; Planner's "
            "Bluesky publisher attaches none, so readers see the link alone.",
        ),
        NetworkStyle(
            "linkedin",
            "LinkedIn",
            "full",
            fold_chars=210,
            fold_lines=3,
            more_label="...see more",
            min_ratio=4 / 5,
            max_ratio=1.91,
            max_images=9,
            handle_prefix="",
        ),
        NetworkStyle(
            "instagram",
            "Instagram",
            "plain",
            fold_chars=125,
            fold_lines=2,
            more_label="... more",
            min_ratio=4 / 5,
            max_ratio=1.91,
            max_images=10,
            link_card=False,
            card_note="Instagram captions carry no links and no link card.",
            handle_prefix="",
        ),
        NetworkStyle(
            "threads",
            "Threads",
            "full",
            min_ratio=4 / 5,
            max_ratio=1.91,
            max_images=10,
            handle_prefix="",
        ),
        NetworkStyle(
            "facebook",
            "Facebook",
            "full",
            fold_chars=480,
            fold_lines=5,
            more_label="See more",
            min_ratio=4 / 5,
            max_ratio=1.91,
            max_images=5,
            handle_prefix="",
        ),
    )
}
GENERIC = NetworkStyle("generic", "Post", "full", handle_prefix="")

# Ratios with a name of their own, for the CSS class that crops to them.
RATIO_NAMES = {16 / 9: "16x9", 1 / 2: "1x2", 2.0: "2x1", 4 / 5: "4x5", 1.91: "191x100", 1.0: "1x1"}


def style_for(network: str) -> NetworkStyle:
    """The network's style; webhooks, the outbox and networks without one look generic."""
    return STYLES.get(network.lower(), GENERIC)


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of the text as shown: `kind` is "text", "link", "mention" or "hashtag"; `text`
    what the reader sees, `target` the whole link (for a link's title)."""

    kind: str
    text: str
    target: str = ""


@dataclass(frozen=True, slots=True)
class Image:
    """An image of the post as the preview gets it; width and height in pixels (0: unknown)."""

    url: str
    alt: str = ""
    width: int = 0
    height: int = 0


@dataclass(frozen=True, slots=True)
class ImageView:
    """An image as the network shows it: `crop` names the aspect ratio it is cropped to
    ("16x9", "4x5", "1x1", ...), or "" when it is shown whole."""

    image: Image
    crop: str


@dataclass(frozen=True, slots=True)
class LinkCard:
    """What the first link's page says about itself (OpenGraph, Twitter card, <title>), or
    why there is nothing (`problem`)."""

    url: str
    title: str = ""
    description: str = ""
    image_url: str = ""
    site_name: str = ""
    problem: str = ""
    pending: bool = False

    @property
    def host(self) -> str:
        host = urlsplit(self.url).hostname or ""
        return host.removeprefix("www.")


@dataclass(frozen=True)
class Preview:
    """A post as one network shows it."""

    network: str
    label: str
    display_name: str
    handle: str
    initials: str
    visible: tuple[Segment, ...]
    hidden: tuple[Segment, ...]  # after the fold ("see more")
    more_label: str
    length: Length | None
    characters: int  # code points, for networks without a limit of their own
    images: tuple[ImageView, ...] = ()
    hidden_images: int = 0  # beyond what the network shows
    card: LinkCard | None = None
    card_note: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def truncated(self) -> bool:
        return bool(self.hidden)

    @property
    def over_limit(self) -> bool:
        """The network would refuse the text (too long, too many hashtags)."""
        return self.length is not None and not self.length.fits

    @property
    def too_long(self) -> bool:
        return self.length is not None and self.length.over > 0

    @property
    def counter(self) -> str:
        """ "123/500 characters", or "123 characters" where the network sets no limit."""
        if self.length is not None:
            return str(self.length)
        return f"{self.characters:,} characters"


# --- Parsing the text ------------------------------------------------------------------------

# A mention as each network links it, never inside a word, an e-mail address or a link's path:
# X's @name of at most 15 letters, digits and underscores (`@user@domain` is no mention there);
# Mastodon's @user and @user@domain; a Bluesky handle, which has a dot (@name.bsky.social:
# the publisher resolves it); Instagram's and Threads' @user.name of at most 30. LinkedIn and
# Facebook link only the mentions their own editors make, so "@name" in text sent through
# their APIs stays plain text.
_ANY_MENTION = re.compile(r"(?<![\w/@.])@\w+(?:[.@-]\w+)*", re.UNICODE)
_MENTIONS: dict[str, re.Pattern[str] | None] = {
    "x": re.compile(r"(?<![\w/@.])@[A-Za-z0-9_]{1,15}(?![\w@])"),
    "mastodon": re.compile(
        r"(?<![\w/@.])@[A-Za-z0-9_]+(?:[A-Za-z0-9_.-]+[A-Za-z0-9_]+)?(?:@[\w.-]+\w)?"
    ),
    "bluesky": re.compile(r"(?<![\w/@.])@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?![\w@])"),
    "instagram": re.compile(r"(?<![\w/@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?"),
    "threads": re.compile(r"(?<![\w/@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?"),
    "linkedin": None,
    "facebook": None,
}
# A hashtag: # then word characters (CJK and accented letters too), not inside a word or an
# HTML entity, and not all digits ("#1" is a number on every network).
_HASHTAG = re.compile(r"(?<![\w&#])#(?!\d+\b)\w+", re.UNICODE)


# An http(s) address up to white space, without the punctuation that ends a sentence after it
# (a closing bracket stays when the address opened one, as in Wikipedia's addresses).
_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\"…"
_MAYBE_DOMAIN = re.compile(r"\.[^\W\d_]{2}")


def _scheme_links(text: str) -> list[tuple[int, int, str]]:
    found = []
    for match in _URL.finditer(text):
        url = match.group()
        while url and (
            url[-1] in _TRAILING or (url[-1] == ")" and url.count("(") < url.count(")"))
        ):
            url = url[:-1]
        if len(url) > len("https://"):
            found.append((match.start(), match.start() + len(url), url))
    return found


def _links(text: str, network: str) -> list[tuple[int, int, str]]:
    """(start, end, url) of each link the network makes clickable: on X also addresses
    without a scheme (twitter-text's detection, with its list of top-level domains), on the
    others every http(s) address."""
    if network != "x":
        return _scheme_links(text)
    if not _MAYBE_DOMAIN.search(text):
        return []  # every link has a dot before its top-level domain; twitter-text is slow
    found = []
    for url in extract_urls_with_indices(text, extract_urls_without_protocol=True):
        start, end = url["indices"]
        found.append((start, end, url["url"]))
    return found


def first_link(text: str) -> str | None:
    """The first http(s) link of a text (the one a network builds its card from), or None."""
    found = _scheme_links(text)
    return found[0][2] if found else None


def shorten_link(url: str, how: str) -> str:
    """A link as the network displays it (see the module's docstring)."""
    if how in ("full", "plain"):
        return url
    bare = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url, flags=re.IGNORECASE)
    bare = re.sub(r"^www\.", "", bare, flags=re.IGNORECASE)
    if how == "x":
        return bare if len(bare) <= 25 else bare[:25] + "…"
    if how == "mastodon":
        return bare if len(bare) <= 30 else bare[:30] + "…"
    if how == "bluesky":
        try:
            parts = urlsplit(url if "://" in url else "https://" + url)
        except ValueError:
            return url
        host = parts.netloc
        path = (
            ("" if parts.path == "/" else parts.path)
            + ("?" + parts.query if parts.query else "")
            + ("#" + parts.fragment if parts.fragment else "")
        )
        return host + path[:13] + "..." if len(path) > 15 else host + path
    return url


@lru_cache(maxsize=8192)
def segments(text: str, network: str) -> tuple[Segment, ...]:
    """The text as runs of plain text, links (shortened the network's way), mentions and
    hashtags. Cached: the approval queue and the post pages show the same texts again."""
    style = style_for(network)
    spans: list[tuple[int, int, str, str]] = []
    for start, end, url in _links(text, style.network):
        spans.append((start, end, "link", url))
    taken = [(s, e) for s, e, _k, _v in spans]

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    mention = _MENTIONS.get(style.network, _ANY_MENTION)
    for kind, pattern in (("mention", mention), ("hashtag", _HASHTAG)):
        if pattern is None:
            continue
        for match in pattern.finditer(text):
            if free(match.start(), match.end()):
                spans.append((match.start(), match.end(), kind, match.group()))
                taken.append((match.start(), match.end()))
    spans.sort()
    out: list[Segment] = []
    position = 0
    for start, end, kind, value in spans:
        if start > position:
            out.append(Segment("text", text[position:start]))
        if kind == "link":
            if style.links == "plain":
                out.append(Segment("text", value))
            else:
                out.append(Segment("link", shorten_link(value, style.links), value))
        elif kind == "mention" and style.network == "mastodon" and value.count("@") > 1:
            # Mastodon shows @user@domain as @user (the whole address in its title).
            out.append(Segment("mention", "@" + value.split("@")[1], value))
        else:
            out.append(Segment(kind, value, value))
        position = end
    if position < len(text):
        out.append(Segment("text", text[position:]))
    return tuple(_merge(out))


def _merge(parts: list[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for part in parts:
        if not part.text:
            continue
        if merged and part.kind == "text" and merged[-1].kind == "text":
            merged[-1] = Segment("text", merged[-1].text + part.text)
        else:
            merged.append(part)
    return merged


# --- The fold --------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _fold(
    parts: tuple[Segment, ...], chars: int | None, lines: int | None
) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    """The segments before and after the network's "see more": after `chars` visible
    characters (graphemes, so an emoji or a flag is never cut) or `lines` lines, whichever
    comes first. A link, mention or hashtag is never cut in two: the fold moves before it. A
    fold within a word moves back to the space before it when that is near."""
    if chars is None and lines is None:
        return parts, ()
    # Code points never undercount graphemes: a text that fits by code points fits, and
    # graphemes (slow to count in Python) are counted only up to the budget.
    code_points = sum(len(p.text) for p in parts)
    total_lines = sum(_breaks(p.text) for p in parts) + 1
    if (chars is None or code_points <= chars) and (lines is None or total_lines <= lines):
        return parts, ()
    budget = chars if chars is not None else code_points
    breaks = lines - 1 if lines is not None else total_lines
    visible: list[Segment] = []
    for index, part in enumerate(parts):
        size = len(part.text)
        if size > budget:
            size = grapheme.length(part.text, until=budget + 1)
        newlines = _breaks(part.text)
        if size <= budget and newlines <= breaks:
            visible.append(part)
            budget -= size
            breaks -= newlines
            continue
        rest = list(parts[index + 1 :])
        if part.kind != "text":
            return _trim(visible), (part, *rest)
        head = _cut(part.text, budget, breaks)
        tail = part.text[len(head) :]
        if head:
            visible.append(Segment("text", head))
        return _trim(visible), tuple(([Segment("text", tail)] if tail else []) + rest)
    return tuple(visible), ()


def _breaks(text: str) -> int:
    """Line breaks in a text: LF, CR LF (what a form sends) or a lone CR."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _cut(text: str, budget: int, breaks: int) -> str:
    """The start of `text` that fits in `budget` graphemes and `breaks` line breaks."""
    pieces: list[str] = []
    for cluster in grapheme.graphemes(text):
        # A form sends line breaks as CR LF, which is one grapheme.
        line_break = cluster in ("\n", "\r\n", "\r")
        if budget <= 0 or (line_break and breaks <= 0):
            break
        if line_break:
            breaks -= 1
        pieces.append(cluster)
        budget -= 1
    head = "".join(pieces)
    if len(head) < len(text) and not text[len(head)].isspace() and not head[-1:].isspace():
        # Inside a word: back to the last space if it is near (networks cut whole words when
        # they can; CJK text has no spaces and is cut where it is).
        space = max(head.rfind(" "), head.rfind("\n"))
        if space >= 0 and len(head) - space <= 15:
            head = head[: space + 1]
    return head


def _trim(visible: list[Segment]) -> tuple[Segment, ...]:
    if visible and visible[-1].kind == "text":
        stripped = visible[-1].text.rstrip()
        visible = visible[:-1] + ([Segment("text", stripped)] if stripped else [])
    return tuple(visible)


# --- The rest --------------------------------------------------------------------------------


def initials(name: str) -> str:
    """Up to two initials of a name, for the avatar (no picture is downloaded)."""
    words = [w for w in re.split(r"[\s._-]+", unicodedata.normalize("NFC", name)) if w]
    letters = []
    for word in words[:2]:
        first = next(grapheme.graphemes(word), "")
        letters.append(first.upper())
    return "".join(letters) or "?"


def _handle(handle: str, style: NetworkStyle) -> str:
    handle = handle.strip()
    if not handle:
        return ""
    if style.handle_prefix and not handle.startswith("@"):
        return "@" + handle
    return handle


def _image_view(image: Image, style: NetworkStyle, several: bool) -> ImageView:
    if several:
        return ImageView(image, "1x1")
    if image.width <= 0 or image.height <= 0:
        # Unknown size: crop to the network's narrowest shape, as its feed reserves it.
        low = style.min_ratio if style.min_ratio > 0 else 1.0
        return ImageView(image, RATIO_NAMES.get(low, "1x1"))
    ratio = image.width / image.height
    if ratio < style.min_ratio:
        return ImageView(image, RATIO_NAMES.get(style.min_ratio, "1x1"))
    if ratio > style.max_ratio:
        return ImageView(image, RATIO_NAMES.get(style.max_ratio, "1x1"))
    return ImageView(image, "")


def preview(
    text: str,
    network: str,
    *,
    name: str,
    handle: str = "",
    images: tuple[Image, ...] | list[Image] = (),
    card: LinkCard | None = None,
) -> Preview:
    """How `text` will look on `network`, posted by the account `name` (`handle`), with its
    images and the first link's card (shown where the network builds one, and only when the
    post has no image, as the networks do)."""
    style = style_for(network)
    parts = segments(text, style.network)
    visible, hidden = _fold(parts, style.fold_chars, style.fold_lines)
    shown = list(images)[: style.max_images]
    views = tuple(_image_view(i, style, len(shown) > 1) for i in shown)
    notes: list[str] = []
    length = measure(text, network)
    if length is not None and length.problems:
        notes.extend(length.problems)
    if len(images) > style.max_images:
        notes.append(f"{style.label} shows at most {style.max_images} images.")
    link = first_link(text)
    show_card = card if (style.link_card and link and not views and card is not None) else None
    return Preview(
        network=style.network,
        label=style.label if style is not GENERIC else network.capitalize() or "Post",
        display_name=name,
        handle=_handle(handle, style),
        initials=initials(name),
        visible=visible,
        hidden=hidden,
        more_label=style.more_label,
        length=length,
        characters=len(text),
        images=views,
        hidden_images=max(0, len(images) - style.max_images),
        card=show_card,
        card_note=style.card_note if link else "",
        notes=tuple(notes),
    )
