"""How long a post is, counted the way its network counts: the one counter that the too-long
rule, the composer and the publishers use.

    >>> measure("Sorry about that! Steps: https://help.example.com/a/very/long/path", "x")
    Length(count=48, limit=280, unit='weighted characters', network='x', problems=())
    >>> str(measure("a" * 281, "x"))
    '281/280 weighted characters'

Each network counts its own way (docs/design.md, "Rules engine"):

- x: twitter-text's weighted length (the `twitter-text-parser` package is the reference): text
  in NFC, every link 23, code points outside Latin, Greek, Cyrillic and general punctuation
  (CJK, most symbols, "…") 2, an emoji sequence 2; at most 280.
- bluesky: graphemes (what a reader sees as one character), at most 300.
- mastodon: graphemes, every http(s) link 23, a mention `@user@domain` counted as `@user`;
  at most 500 (the default of a Mastodon server).
- threads 500, linkedin 3,000, instagram 2,200 with at most 30 hashtags, facebook 63,206:
  Unicode code points.
- Other networks (webhook, outbox, tiktok, pinterest, ...) have no limit here: `measure`
  returns None.

Speed: the reference counter reads a tweet in about a millisecond (its emoji expression is
slow), so `weighted_length` does the same sums with C-speed expressions and asks the reference
only for links and emoji; a property test holds the two equal. The too-long rule first takes a
cheap upper bound (`surely_fits`) and measures only the posts that might not fit.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import dataclass
from functools import lru_cache

import grapheme

with warnings.catch_warnings():
    # twitter-text-parser loads its emoji table with pkg_resources, which newer setuptools
    # releases warn about on import (and 82 removed, hence the pin in pyproject.toml).
    warnings.simplefilter("ignore")
    from twitter_text import extract_urls_with_indices
    from twitter_text.config import config as _twitter_config
    from twitter_text.has_invalid_characters import has_invalid_characters
    from twitter_text.regexp.emoji import emoji_list, single_codepoint_emoji_int

from rules.model import TEXT_LIMITS

__all__ = ["Length", "TEXT_LIMITS", "UNITS", "measure", "surely_fits", "weighted_length"]

UNITS: dict[str, str] = {
    "x": "weighted characters",
    "bluesky": "graphemes",
    "mastodon": "characters",
    "threads": "characters",
    "instagram": "characters",
    "linkedin": "characters",
    "facebook": "characters",
}
INSTAGRAM_MAX_HASHTAGS = 30
URL_LENGTH = 23  # X and Mastodon count every link as 23 characters.


@dataclass(frozen=True, slots=True)
class Length:
    """A post's length on one network: `count` in `unit`, against `limit`. `problems` says, in
    words, why the network would refuse the text (empty when it fits)."""

    count: int
    limit: int
    unit: str
    network: str
    problems: tuple[str, ...] = ()

    @property
    def over(self) -> int:
        """How many units too long (0 when it fits the limit)."""
        return max(0, self.count - self.limit)

    @property
    def fits(self) -> bool:
        """True when the network takes the text as it is."""
        return not self.problems

    def __str__(self) -> str:
        return f"{self.count:,}/{self.limit:,} {self.unit}"


@lru_cache(maxsize=16_384)
def measure(text: str, network: str) -> Length | None:
    """The length of `text` as `network` counts it, with the problems that would make the
    network refuse it; None for a network without a limit here."""
    network = network.lower()
    limit = TEXT_LIMITS.get(network)
    if limit is None:
        return None
    problems: list[str] = []
    if network == "x":
        count = weighted_length(text)
        if has_invalid_characters(text):
            problems.append("contains a character X refuses (U+FFFE, U+FEFF or U+FFFF)")
    elif network == "bluesky":
        count = grapheme.length(text)
    elif network == "mastodon":
        count = mastodon_length(text)
    else:
        count = len(text)
    unit = UNITS[network]
    if count > limit:
        problems.insert(0, f"{count:,} {unit}, above {network}'s limit of {limit:,}")
    if network == "instagram":
        hashtags = len(_HASHTAG.findall(text))
        if hashtags > INSTAGRAM_MAX_HASHTAGS:
            problems.append(
                f"{hashtags} hashtags, above instagram's limit of {INSTAGRAM_MAX_HASHTAGS}"
            )
    return Length(count, limit, unit, network, tuple(problems))


def surely_fits(text: str, network: str) -> bool:
    """True when a cheap upper bound already shows the text fits (a network without a limit
    always fits); False means "measure it"."""
    network = network.lower()
    limit = TEXT_LIMITS.get(network)
    if limit is None:
        return True
    if network == "x":
        return _x_upper_bound(text) <= limit
    if network == "mastodon":
        # Graphemes never outnumber code points; a link (at least "http://a.co", 11) counts 23.
        return len(text) + 12 * text.count("://") <= limit
    if network == "instagram" and text.count("#") > INSTAGRAM_MAX_HASHTAGS:
        return False
    return len(text) <= limit


# --- X ---------------------------------------------------------------------------------------

_X = _twitter_config["defaults"]
_SCALE: int = _X["scale"]
# Weights in the reference's units (scale 100): 100 inside the ranges, 200 outside.
_LIGHT_WEIGHTS = {r["weight"] for r in _X["ranges"]}
assert _LIGHT_WEIGHTS == {_SCALE} and _X["default_weight"] == 2 * _SCALE, "twitter-text changed"
_LIGHT = "".join(f"\\U{r['start']:08x}-\\U{r['end']:08x}" for r in _X["ranges"])
_HEAVY = re.compile(f"[^{_LIGHT}]")
_LINE_ENDS = re.compile(r"\r\n|\r|\n")
# Every link has a dot followed by its top-level domain, two letters at least ("xn--" too).
_MAYBE_URL = re.compile(r"\.[^\W\d_]{2}")
# Stretches that may hold an emoji: a keycap base, then emoji, joiners, variation selectors,
# keycap marks, skin tones, flags and tags. The reference's expression runs only on these.
_MAYBE_EMOJI = re.compile(
    "[#*0-9]?[\u00a9\u00ae\u2000-\u3300\ufe0e\ufe0f\U0001f000-\U0001faff\U000e0020-\U000e007f]+"
)
# Code points that may weigh 2: outside the light ranges, and the two emoji inside them.
_HEAVY_BOUND = re.compile(f"[^{_LIGHT}]|[\u00a9\u00ae]")


# The reference's emoji, from its own table: sequences of several code points (the longest
# that matches wins, as in its expression, whose alternatives run longest first) and single
# code points. Looking them up is what its expression does, a hundred times faster.
_EMOJI_SEQUENCES = frozenset(
    "".join(chr(int(code, 16)) for code in entry.codepoint.split())
    for entry in emoji_list
    if len(entry.codepoint.split()) > 1
)
_EMOJI_SINGLES = frozenset(map(chr, single_codepoint_emoji_int))
_LONGEST_EMOJI = max(map(len, _EMOJI_SEQUENCES))


def _emoji_in(span: str) -> list[tuple[int, int]]:
    """(start, length) of each emoji in a stretch, as the reference's expression finds them."""
    found: list[tuple[int, int]] = []
    index, size = 0, len(span)
    while index < size:
        for length in range(min(_LONGEST_EMOJI, size - index), 1, -1):
            if span[index : index + length] in _EMOJI_SEQUENCES:
                found.append((index, length))
                index += length
                break
        else:
            if span[index] in _EMOJI_SINGLES:
                found.append((index, 1))
            index += 1
    return found


def _plain_weight(text: str) -> int:
    """Weight of text without links or emoji: 1 per light code point, 2 per other."""
    return len(text) + len(_HEAVY.findall(text))


def weighted_length(text: str) -> int:
    """X's weighted length of a text, equal to twitter-text's `parse_tweet(text).weightedLength`
    (links 23, CJK and other heavy code points 2, an emoji sequence 2)."""
    normalized = _LINE_ENDS.sub("\n", unicodedata.normalize("NFC", text))
    # start -> (length, weight) of each link and emoji, as the reference finds them; a link
    # wins over an emoji starting at the same place.
    entities: dict[int, tuple[int, int]] = {}
    if not normalized.isascii():
        emoji_weight = _X["default_weight"] // _SCALE
        for span in _MAYBE_EMOJI.finditer(normalized):
            for start, length in _emoji_in(span.group()):
                entities[span.start() + start] = (length, emoji_weight)
    if _MAYBE_URL.search(normalized):
        for url in extract_urls_with_indices(normalized):
            entities[url["indices"][0]] = (len(url["url"]), _X["transformed_url_length"])
    total = 0
    position = 0
    for start in sorted(entities):
        if start < position:
            continue  # inside an earlier link or emoji, which the reference skips whole
        length, weight = entities[start]
        total += _plain_weight(normalized[position:start]) + weight
        position = start + length
    return total + _plain_weight(normalized[position:])


def _x_upper_bound(text: str) -> int:
    """At least X's weighted length: a link (4 characters at least, with a dot before its
    top-level domain) counts 23, so at most 19 more than its characters; an emoji never weighs
    more than its code points, but © and ® (light, yet 2 as emoji)."""
    if not text.isascii():
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        return len(text) + len(_HEAVY_BOUND.findall(text)) + 19 * len(_MAYBE_URL.findall(text))
    return len(text) + 19 * len(_MAYBE_URL.findall(text))


# --- Mastodon --------------------------------------------------------------------------------

# Mastodon's mention: @user or @user@domain, not inside a word or a link path.
_MASTODON_MENTION = re.compile(
    r"(?<![/\w])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)@[\w.-]+\w", re.IGNORECASE
)


def mastodon_length(text: str) -> int:
    """Mastodon's count: graphemes, every http(s) link 23, `@user@domain` as `@user`."""
    parts: list[str] = []
    position = 0
    if "://" in text:
        for url in extract_urls_with_indices(text, extract_urls_without_protocol=False):
            start, end = url["indices"]
            if start < position:
                continue
            parts.append(text[position:start])
            parts.append("x" * URL_LENGTH)
            position = end
    parts.append(text[position:])
    # Links are placeholders by now, so a mention inside one is not rewritten.
    countable = "".join(
        _MASTODON_MENTION.sub(r"@\1", part) if i % 2 == 0 else part for i, part in enumerate(parts)
    )
    return int(grapheme.length(countable))


# --- Instagram -------------------------------------------------------------------------------

_HASHTAG = re.compile(r"(?<![\w&#])#\w+")
