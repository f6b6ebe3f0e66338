"""Building the iCalendar feed, pure given rows: `FeedEvent`s and a `FeedCalendar` go in,
bytes come out.

Each VEVENT is serialized once into a fragment kept under a key made of the post's id,
version, status and `updated_at`; a feed is a header, the fragments and a footer, so a
re-render after one change serializes one event (docs/design.md, "Feeds").

Events are written here, with RFC 5545 escaping and folding, rather than through icalendar.
The trade-off: icalendar serializes about ten times slower (bench/feed.py: 2.8 s against
0.45 s for a cold render of 10,000 events), mostly in its line folding, which would put a
cold render well past a second. Only a cold render pays (fragments are cached per post
version and rendered by the worker), so this stays until bench/feed.py and the real-client
tests say otherwise. icalendar writes the calendar's header. The tests read every kind of
text back through icalendar, ical, ical.js and node-ical, and a real plan through vdirsyncer.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, vDuration, vText

from planner.config import FEED_MAX_EVENTS
from planner.models import Status

# Bumped whenever the bytes of an event or of the header change shape, so stored fragments
# and renderings made by older code are not reused. 2: line separators mapped to newlines,
# SEQUENCE from 0.
FORMAT = "2"
PRODID = "-//Planner//Content calendar feed//EN"
METHOD = "PUBLISH"
# RFC 5545 3.7.2: a calendar with METHOD names it in the media type too.
MEDIA_TYPE = f"text/calendar; charset=utf-8; method={METHOD}"

# The window keeps the feed small, and so does the cap on events (FEED_MAX_EVENTS, 1,000 by
# default): Google Calendar imports at most 1 MB, and subscribers of larger feeds report lost
# events. An event takes about 570 bytes besides its text, which it carries in DESCRIPTION
# and, up to 60 characters, in SUMMARY. bench/feed.py: 1,000 events of 280-character posts
# are 0.93 MB; 2,000 events pass 1 MB even with 20-character posts (1.2 MB). Whether Google
# counts gzipped bytes (4 to 10 times fewer) is not documented, so the plain size counts.
# Longer posts fit fewer events (585 of 1,000 characters in 1 MB): such teams subscribe per
# channel, or raise the cap where no subscriber uses Google.
WINDOW_PAST = timedelta(days=30)
WINDOW_FUTURE = timedelta(days=365)
MAX_EVENTS = FEED_MAX_EVENTS
# Cancelled posts stay this long (as STATUS:CANCELLED) so that clients remove them.
CANCELLED_KEPT = timedelta(days=30)
# Some clients show a whole hour for an event without an end.
EVENT_LENGTH = timedelta(minutes=15)
SUMMARY_CHARS = 60

APPROVED = frozenset({Status.approved, Status.publishing, Status.published})
EVENT_STATUS = {
    Status.draft: "TENTATIVE",
    Status.in_review: "TENTATIVE",
    Status.changes_requested: "TENTATIVE",
    Status.approved: "CONFIRMED",
    Status.publishing: "CONFIRMED",
    Status.published: "CONFIRMED",
    # Not published, and not certain to be: it waits for a retry or a change.
    Status.failed: "TENTATIVE",
    Status.cancelled: "CANCELLED",
}
_LABELS = {status: status.label for status in Status}


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One post as the feed needs it."""

    post_id: int
    version: int
    status: Status
    category: str
    channel_id: int
    channel_name: str
    text: str
    scheduled_at: datetime
    updated_at: datetime
    # Whether the post carries an approval (a cancelled post keeps the one it had).
    approved: bool = False


@dataclass(frozen=True, slots=True)
class FeedCalendar:
    """What the whole calendar says: whose plan, under which name, at which address."""

    workspace_name: str
    workspace_slug: str
    timezone: str
    base_url: str
    name: str

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or "localhost"

    @property
    def workspace_url(self) -> str:
        return f"{self.base_url}/w/{quote(self.workspace_slug)}/"

    def post_url(self, post_id: int) -> str:
        return f"{self.base_url}/w/{quote(self.workspace_slug)}/posts/{post_id}"


@dataclass(frozen=True, slots=True)
class FeedFilter:
    """Which posts a subscription shows: some channels (none means all), and either
    everything planned or only what is approved and published."""

    channel_ids: frozenset[int] = frozenset()
    approved_only: bool = False

    @classmethod
    def from_json(cls, value: Mapping[str, Any] | None) -> FeedFilter:
        value = value or {}
        return cls(
            frozenset(int(c) for c in value.get("channels") or ()),
            bool(value.get("approved_only")),
        )

    def to_json(self) -> dict[str, Any]:
        return {"channels": sorted(self.channel_ids), "approved_only": self.approved_only}

    @property
    def key(self) -> str:
        scope = "approved" if self.approved_only else "planned"
        return f"{scope}:{','.join(map(str, sorted(self.channel_ids))) or '*'}"

    def includes(self, event: FeedEvent) -> bool:
        if self.channel_ids and event.channel_id not in self.channel_ids:
            return False
        if not self.approved_only:
            return True
        # A cancelled post that had been approved is sent as CANCELLED so clients drop it.
        return event.status in APPROVED or (event.status == Status.cancelled and event.approved)

    def describe(self, channel_names: Mapping[int, str]) -> str:
        """In words, for the Feeds page and the calendar's name."""
        scope = "approved and published only" if self.approved_only else "everything planned"
        if not self.channel_ids:
            return f"{scope}, all channels"
        names = sorted(channel_names.get(c, f"channel {c}") for c in self.channel_ids)
        return f"{scope}, {', '.join(names)}"


Fragment = tuple[str, bytes]


@dataclass(frozen=True, slots=True)
class Feed:
    """A rendered feed and the fragments it had to serialize (to be kept)."""

    body: bytes
    event_count: int
    serialized: dict[int, Fragment]


# Every character that some calendar parser ends a line at becomes a newline (escaped as \n
# in the feed), as CR and CRLF do: pasted text brings U+2028 and U+2029 (line and paragraph
# separators), U+0085 (NEL), VT and FF (the manual line break of Word and PowerPoint, Word's
# page break).
# Raw in a value, they broke it: vdirsyncer splits lines with str.splitlines(), which breaks
# at all of them, and stored a cut item (khal showed the text up to there, without status or
# link); node-ical matches each line with a regex whose "." stops at U+2028 and U+2029, and
# dropped the whole DESCRIPTION (tests/feeds/test_clients.py runs both).
_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\x85\u2028\u2029]")
# RFC 5545 TEXT cannot carry the other control characters (CONTROL is excluded from
# TSAFE-CHAR): they are dropped. Tabs are allowed. (str.splitlines() also breaks at
# U+001C to U+001E, which are dropped with them.)
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
# Whatever either of the above would change: one scan tells whether a text needs them.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029]")
_SPACES = re.compile(r"\s+")


def clean_text(value: str) -> str:
    """`value` as it comes back from the feed: every line break as \\n, the other control
    characters gone."""
    if _UNSAFE.search(value) is None:
        return value
    return _CONTROLS.sub("", _LINE_BREAKS.sub("\n", value))


def escape_text(value: str) -> str:
    """An RFC 5545 TEXT value (section 3.3.11): backslash, semicolon, comma and newline."""
    return _escape(clean_text(value))


def _escape(cleaned: str) -> str:
    """`escape_text` of a text that `clean_text` already returned as it is."""
    return (
        cleaned.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
    )


def fold(line: str) -> bytes:
    """One content line, folded at 75 octets (RFC 5545 section 3.1), with its CRLF.

    Never splits a UTF-8 sequence nor a backslash escape: Google drops events whose
    escapes are split across a fold (icalendar issue 1501).
    """
    data = line.encode()
    if len(data) <= 75:
        return data + b"\r\n"
    parts = []
    start, limit, end = 0, 75, len(data)
    while end - start > limit:
        cut = start + limit
        while data[cut] & 0xC0 == 0x80:  # a UTF-8 continuation byte
            cut -= 1
        run = 0
        while cut - 1 - run >= start and data[cut - 1 - run] == 0x5C:
            run += 1
        if run % 2:  # the last backslash opens an escape that the cut would split
            cut -= 1
        parts.append(data[start:cut])
        # A continuation line starts with one space, which counts towards its 75 octets.
        start, limit = cut, 74
    parts.append(data[start:])
    return b"\r\n ".join(parts) + b"\r\n"


def summary_for(channel_name: str, text: str) -> str:
    """`[channel] first words`: the text on one line (every line break a space), cut at a word
    before 60 characters; clean text (as `clean_text` returns it)."""
    words = _SPACES.sub(" ", clean_text(text[: SUMMARY_CHARS * 4])).strip()
    if len(words) > SUMMARY_CHARS:
        cut = words.rfind(" ", 0, SUMMARY_CHARS)
        words = words[: cut if cut > 0 else SUMMARY_CHARS].rstrip() + "…"
    channel = _SPACES.sub(" ", clean_text(channel_name)).strip()
    return f"[{channel}] {words}"


def description_for(event: FeedEvent, calendar: FeedCalendar) -> str:
    """The post's text, then its status, category, local time and a link to it; clean text
    (as `clean_text` returns it)."""
    shared = _shared(calendar)
    local = event.scheduled_at.astimezone(shared.zone)
    return (
        f"{clean_text(event.text)}\n\n"
        f"Status: {_LABELS[event.status]}\n"
        f"Category: {clean_text(event.category)}\n"
        f"Channel: {clean_text(event.channel_name)}\n"
        f"Scheduled: {local:%a %d %b %Y %H:%M} {calendar.timezone}\n"
        f"{shared.posts_url}{event.post_id}"
    )


def organizer_name(workspace_name: str) -> str:
    """The workspace's name as ORGANIZER's CN: without backslashes, which ical.js
    (Thunderbird) reads as escapes inside a parameter although RFC 5545 does not."""
    return clean_text(workspace_name).replace("\\", "/")


def _parameter(value: str) -> str:
    """A quoted parameter value, with RFC 6868's caret escapes for ^, newline and double
    quote; icalendar, ical and ical.js all decode them (so a bare "^n" must not pass)."""
    escaped = value.replace("^", "^^").replace("\n", "^n").replace('"', "^'")
    return f'"{escaped}"'


@dataclass(frozen=True, slots=True)
class _Shared:
    """What every event of one calendar repeats, worked out once."""

    zone: ZoneInfo
    posts_url: str
    uid_suffix: str
    organizer: bytes


@lru_cache(maxsize=64)
def _shared(calendar: FeedCalendar) -> _Shared:
    cn = _parameter(organizer_name(calendar.workspace_name))
    organizer = f"ORGANIZER;CN={cn}:{calendar.workspace_url}"
    return _Shared(
        ZoneInfo(calendar.timezone),
        calendar.post_url(0)[:-1],
        f"@{calendar.host}",
        # RFC 5546 requires an organizer with METHOD:PUBLISH; libical rejects the feed
        # without one.
        fold(organizer),
    )


def utc_stamp(instant: datetime) -> str:
    t = instant.astimezone(UTC)
    return f"{t.year:04d}{t.month:02d}{t.day:02d}T{t.hour:02d}{t.minute:02d}{t.second:02d}Z"


def event_fragment(event: FeedEvent, calendar: FeedCalendar) -> bytes:
    """The VEVENT of one post, folded, as UTF-8 bytes ending in CRLF."""
    shared = _shared(calendar)
    stamp = utc_stamp(event.updated_at)
    url = f"{shared.posts_url}{event.post_id}"
    head = (
        f"BEGIN:VEVENT\r\n"
        f"UID:post-{event.post_id}{shared.uid_suffix}\r\n"
        # From updated_at, not "now": a body that changes on every request never matches
        # its ETag.
        f"DTSTAMP:{stamp}\r\n"
        f"LAST-MODIFIED:{stamp}\r\n"
        # UTC needs no VTIMEZONE, and Google reads floating times as UTC anyway.
        f"DTSTART:{utc_stamp(event.scheduled_at)}\r\n"
        f"DTEND:{utc_stamp(event.scheduled_at + EVENT_LENGTH)}\r\n"
        # RFC 5545 3.8.7.4: a new component's SEQUENCE is 0. Versions start at 1, and every
        # change a person makes raises the version by one, so SEQUENCE never goes down.
        f"SEQUENCE:{event.version - 1}\r\n"
        f"STATUS:{EVENT_STATUS[event.status]}\r\n"
        # A post is not a meeting: it must not make the subscribers look busy.
        "TRANSP:TRANSPARENT\r\n"
    ).encode()
    return b"".join(
        (
            head,
            # Both are clean text already: escaped without a second scan.
            fold(f"SUMMARY:{_escape(summary_for(event.channel_name, event.text))}"),
            fold(f"DESCRIPTION:{_escape(description_for(event, calendar))}"),
            fold(f"CATEGORIES:{escape_text(event.category)}"),
            fold(f"URL:{url}"),
            shared.organizer,
            b"END:VEVENT\r\n",
        )
    )


def context_key(calendar: FeedCalendar, channel_name: str) -> str:
    """What, besides the post itself, goes into its fragment."""
    parts = (
        FORMAT,
        calendar.base_url,
        calendar.workspace_name,
        calendar.workspace_slug,
        calendar.timezone,
        channel_name,
    )
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).hexdigest()


def fragment_key(event: FeedEvent, context: str) -> str:
    return f"{event.version}:{_LABELS[event.status]}:{event.updated_at.timestamp():.6f}:{context}"


@lru_cache(maxsize=64)
def calendar_header(calendar: FeedCalendar) -> bytes:
    """BEGIN:VCALENDAR and the calendar's properties, through icalendar.

    `Calendar()` rather than `Calendar.new()`: the latter adds a calendar-level UID, and
    vdirsyncer then collapses every event into one.
    """
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", METHOD)
    cal.add("name", vText(calendar.name))
    cal.add("x-wr-calname", vText(calendar.name))
    cal.add("x-wr-timezone", vText(calendar.timezone))
    # icalendar's `refresh_interval` leaves out VALUE=DURATION, and the `ical` parser then
    # rejects the whole calendar; a plain timedelta for X-PUBLISHED-TTL comes out as
    # "1:00:00". Both are spelled out.
    cal.add("refresh-interval", vDuration(timedelta(hours=1)), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(timedelta(hours=1)))
    body = cal.to_ical()
    assert body.endswith(FOOTER)
    return body[: -len(FOOTER)]


FOOTER = b"END:VCALENDAR\r\n"


def build_feed(
    calendar: FeedCalendar,
    events: Iterable[FeedEvent],
    known: Mapping[int, Fragment],
    feed_filter: FeedFilter = FeedFilter(),  # noqa: B008 (frozen, so safe to share)
    max_events: int = MAX_EVENTS,
) -> Feed:
    """The feed of `events` (in time order) that `feed_filter` lets through, at most
    `max_events` of them. A fragment in `known` under the same key is reused; the others
    are serialized and returned in `Feed.serialized`."""
    contexts: dict[str, str] = {}
    chunks = [calendar_header(calendar)]
    serialized: dict[int, Fragment] = {}
    count = 0
    for event in events:
        if count >= max_events:
            break
        if not feed_filter.includes(event):
            continue
        context = contexts.get(event.channel_name)
        if context is None:
            context = contexts[event.channel_name] = context_key(calendar, event.channel_name)
        key = fragment_key(event, context)
        stored = known.get(event.post_id) or serialized.get(event.post_id)
        if stored is not None and stored[0] == key:
            chunks.append(stored[1])
        else:
            fragment = event_fragment(event, calendar)
            serialized[event.post_id] = (key, fragment)
            chunks.append(fragment)
        count += 1
    chunks.append(FOOTER)
    return Feed(b"".join(chunks), count, serialized)


def is_whole(body: bytes | None) -> bool:
    """Whether `body` is a complete calendar: a truncated feed reads as zero events in the
    `ical` parser, and Thunderbird clears the calendar on an empty 200."""
    return bool(body) and body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(FOOTER)


def etag_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:40]


def gzip_etag(etag: str) -> str:
    """The gzip representation's own ETag (RFC 9110: another encoding, another tag)."""
    return f"{etag}-gz"


def calendar_name(workspace_name: str, feed_filter: FeedFilter, names: Mapping[int, str]) -> str:
    """The calendar's display name: the workspace, the filtered channels, "approved".

    Without commas, semicolons or backslashes: ical.js (Thunderbird) reads NAME and
    X-WR-CALNAME as raw values and would show their escapes.
    """
    parts = [workspace_name]
    if feed_filter.channel_ids:
        parts.append(
            " + ".join(sorted(names.get(c, f"channel {c}") for c in feed_filter.channel_ids))
        )
    if feed_filter.approved_only:
        parts.append("approved")
    name = " · ".join(_SPACES.sub(" ", clean_text(p)).strip() for p in parts)
    # icalendar drops a byte order mark when it writes the header.
    name = _SPACES.sub(" ", name.translate(_NAME_UNSAFE)).strip()
    return name if name.strip(" ·") else "Planner"


_NAME_UNSAFE = str.maketrans({",": " ", ";": " ", "\\": "/", "\ufeff": None})


def configured_base_url(config: Mapping[str, Any]) -> str | None:
    """The site's address from SERVER_NAME and PREFERRED_URL_SCHEME, if configured."""
    server = config.get("SERVER_NAME")
    if not server:
        return None
    return f"{config.get('PREFERRED_URL_SCHEME') or 'https'}://{server}".rstrip("/")


@dataclass(frozen=True, slots=True)
class Window:
    """The posts a feed shows: from 30 days ago to 12 months ahead, in whole UTC days so
    that a rendering stays valid for the day it was made."""

    day: str
    start: datetime
    end: datetime
    cancelled_since: datetime

    @classmethod
    def around(cls, now: datetime) -> Window:
        today = datetime.combine(now.astimezone(UTC).date(), time(), tzinfo=UTC)
        return cls(
            today.date().isoformat(),
            today - WINDOW_PAST,
            today + timedelta(days=1) + WINDOW_FUTURE,
            today - CANCELLED_KEPT,
        )
