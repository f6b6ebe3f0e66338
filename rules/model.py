"""The plain values of the rules engine: posts to check, findings, settings and tables.

Everything here is data: frozen dataclasses, enums and constant tables that the web app, the
CLI and the rules share. Nothing reads a clock, a file or a database.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from fractions import Fraction
from typing import Any


class ConfigError(ValueError):
    """A rule setting that cannot be used: unknown preset, rule, timezone or bad threshold."""


class Family(enum.StrEnum):
    """The three families of content: the rule of thirds' self / value / conversation."""

    SELF = "self"
    VALUE = "value"
    CONVERSATION = "conversation"


class Category(enum.StrEnum):
    """What a post is, chosen by the editor and suggested by `rules.classify`."""

    BRAND = "brand"
    PROMOTION = "promotion"
    EDUCATIONAL = "educational"
    CURATED = "curated"
    ENGAGEMENT = "engagement"
    COMMUNITY = "community"
    CARE = "care"

    @property
    def family(self) -> Family:
        """The family this category belongs to."""
        return CATEGORY_FAMILY[self]

    @property
    def definition(self) -> str:
        """One line saying what the category is, as the composer shows it."""
        return CATEGORY_DEFINITIONS[self]


CATEGORY_FAMILY: dict[Category, Family] = {
    Category.BRAND: Family.SELF,
    Category.PROMOTION: Family.SELF,
    Category.EDUCATIONAL: Family.VALUE,
    Category.CURATED: Family.VALUE,
    Category.ENGAGEMENT: Family.CONVERSATION,
    Category.COMMUNITY: Family.CONVERSATION,
    Category.CARE: Family.CONVERSATION,
}

FAMILY_CATEGORIES: dict[Family, tuple[Category, ...]] = {
    family: tuple(c for c in Category if CATEGORY_FAMILY[c] is family) for family in Family
}

CATEGORY_DEFINITIONS: dict[Category, str] = {
    Category.BRAND: "about us: news, announcements, milestones, awards, behind the scenes",
    Category.PROMOTION: "selling: offers, discounts, sales, launches with a call to buy, ads",
    Category.EDUCATIONAL: "our own helpful content that sells nothing: tips, how-tos, guides",
    Category.CURATED: "other people's content: sector news, articles, partners' work",
    Category.ENGAGEMENT: "questions, polls, conversation starters",
    Category.COMMUNITY: "user content, shout-outs, thanks, fan and customer stories",
    Category.CARE: "customer care: help, answers, service updates",
}

FAMILY_DEFINITIONS: dict[Family, str] = {
    Family.SELF: "talking about ourselves: brand and promotion",
    Family.VALUE: "giving something useful: educational and curated",
    Family.CONVERSATION: "talking with people: engagement, community and care",
}


_SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


class Severity(enum.StrEnum):
    """How bad a finding is. Ordered: info < warning < error."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        """0 for info, 1 for warning, 2 for error."""
        return _SEVERITY_RANK[self.value]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank


class RuleFamily(enum.StrEnum):
    """How the catalogue is grouped, one module per family."""

    MIX = "mix"
    CADENCE = "cadence"
    CONTENT = "content"
    COVERAGE = "coverage"


# What a finding measures: a share (exact), a count, a duration, a confidence, a local time.
Measure = int | float | Fraction | timedelta | time | str
PostId = int | str


# A reply opens with the account it answers: "@name ..." (not ".@name", which is a post).
REPLY_OPENING = re.compile(r"\s*@\w")


@dataclass(frozen=True, slots=True)
class PlanItem:
    """One post as the rules see it.

    `scheduled_at` must be an aware datetime. `category` is None for an uncategorised post
    (nobody chose one, or the classifier abstained): cadence and content rules check it as any
    other, mix rules count it as uncategorised (docs/design.md, "Uncategorised posts").

    `reply_to` names the account or the post URL a reply answers; a post whose text opens with
    an @mention is a reply too (`is_reply`). `thread` is a key shared by the posts of one
    thread on a channel; posts on one channel within 2 minutes of each other are read as one
    thread as well.
    """

    id: PostId
    channel: str
    network: str
    scheduled_at: datetime
    category: Category | None
    text: str
    reply_to: str | None = None
    thread: str | None = None
    group: str | None = None

    def __post_init__(self) -> None:
        if self.scheduled_at.tzinfo is None or self.scheduled_at.utcoffset() is None:
            raise ValueError(f"post {self.id!r}: scheduled_at must be an aware datetime")
        if self.category is not None and not isinstance(self.category, Category):
            object.__setattr__(self, "category", Category(self.category))
        if self.reply_to is not None and not self.reply_to.strip():
            object.__setattr__(self, "reply_to", None)
        if self.thread is not None and not self.thread.strip():
            object.__setattr__(self, "thread", None)

    @property
    def is_reply(self) -> bool:
        """True for a reply: it has `reply_to`, or its text opens with an @mention."""
        return self.reply_to is not None or REPLY_OPENING.match(self.text) is not None


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in the plan, with its evidence.

    `channel` is None for a finding about the whole workspace. The window is [start, end)
    in the workspace timezone; `post_ids` are the posts that are the evidence, in time order.
    `uncategorised` is how many posts of a mix finding's window have no category: the finding
    holds for the categorised posts, and may change once those are categorised.
    """

    rule: str
    severity: Severity
    channel: str | None
    window_start: datetime
    window_end: datetime
    post_ids: tuple[PostId, ...]
    measured: Measure
    threshold: Measure
    message: str
    hint: str
    uncategorised: int = 0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: ISO 8601 times and durations, fractions as "a/b" strings."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "channel": self.channel,
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "post_ids": list(self.post_ids),
            "measured": measure_to_json(self.measured),
            "threshold": measure_to_json(self.threshold),
            "message": self.message,
            "hint": self.hint,
            "uncategorised": self.uncategorised,
        }


def measure_to_json(value: Measure) -> int | float | str:
    """A measured value or threshold as JSON: numbers stay numbers, a Fraction becomes "a/b",
    a duration an ISO 8601 duration ("PT4H"), a time "HH:MM"."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float | str):
        return value
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, timedelta):
        return iso_duration(value)
    return value.strftime("%H:%M")


def iso_duration(value: timedelta) -> str:
    """An ISO 8601 duration such as "P3DT4H" or "PT45M"; negative durations get a sign."""
    sign = "-" if value < timedelta(0) else ""
    seconds = int(abs(value).total_seconds())
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    clock = "".join(
        f"{amount}{unit}"
        for amount, unit in ((hours, "H"), (minutes, "M"), (seconds, "S"))
        if amount
    )
    if not days and not clock:
        return "PT0S"
    return f"{sign}P{f'{days}D' if days else ''}{f'T{clock}' if clock else ''}"


def format_measure(value: Measure) -> str:
    """A measured value or threshold for people: "3/5 (60%)", "2 h 30 min", "12"."""
    if isinstance(value, Fraction):
        percent = round(value * 100)
        if value.denominator == 1:
            return f"{value.numerator} ({percent}%)"
        return f"{value.numerator}/{value.denominator} ({percent}%)"
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value)


def format_duration(value: timedelta) -> str:
    """A duration the way people say it: "3 days", "4 h", "1 h 30 min", "45 min"."""
    minutes = int(value.total_seconds() // 60)
    days, minutes = divmod(minutes, 1_440)
    hours, minutes = divmod(minutes, 60)
    if days and not hours and not minutes:
        return f"{days} day{'s' if days != 1 else ''}"
    if days:
        return f"{days} d {hours} h" if not minutes else f"{days} d {hours} h {minutes} min"
    if hours and minutes:
        return f"{hours} h {minutes} min"
    if hours:
        return f"{hours} h"
    return f"{minutes} min"


@dataclass(frozen=True, slots=True)
class NetworkCaps:
    """How much one channel's audience takes: posts per local day before a warning or an error,
    and the minimum gap between two posts."""

    warning_above: int
    error_above: int
    min_gap: timedelta


# Frequency studies by Hootsuite, HubSpot, Buffer and Socialbakers, rounded to what a team
# can remember; the table of docs/design.md, "Rules engine".
NETWORK_CAPS: dict[str, NetworkCaps] = {
    "facebook": NetworkCaps(2, 3, timedelta(hours=4)),
    "instagram": NetworkCaps(2, 3, timedelta(hours=4)),
    "linkedin": NetworkCaps(1, 2, timedelta(hours=18)),
    "x": NetworkCaps(10, 20, timedelta(minutes=60)),
    "threads": NetworkCaps(5, 10, timedelta(minutes=60)),
    "mastodon": NetworkCaps(5, 10, timedelta(minutes=60)),
    "bluesky": NetworkCaps(10, 20, timedelta(minutes=60)),
    "tiktok": NetworkCaps(4, 6, timedelta(hours=2)),
    "pinterest": NetworkCaps(10, 25, timedelta(minutes=30)),
}
DEFAULT_NETWORK_CAPS = NetworkCaps(10, 20, timedelta(minutes=30))


def network_caps(network: str) -> NetworkCaps:
    """The default caps of a network; networks not in the table get DEFAULT_NETWORK_CAPS."""
    return NETWORK_CAPS.get(network.lower(), DEFAULT_NETWORK_CAPS)


# The most characters each network accepts in one post. Networks not listed (webhook, outbox,
# tiktok, pinterest, ...) have no limit here: `TEXT_LIMITS.get(network)` is None.
# How each network counts (X's weighted length, Bluesky's graphemes, ...) is rules/length.py.
TEXT_LIMITS: dict[str, int] = {
    "x": 280,
    "bluesky": 300,
    "mastodon": 500,
    "threads": 500,
    "instagram": 2_200,
    "linkedin": 3_000,
    "facebook": 63_206,
}
