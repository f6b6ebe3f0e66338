"""The iCalendar feed of a workspace's plan: building it, keeping it, and its subscriptions.

Three parts, top to bottom:

- Building (pure given rows): `FeedEvent` rows and a `FeedCalendar` go in, bytes come out.
  Each VEVENT is serialized once into a fragment kept under a key made of the post's id,
  version, status and `updated_at`; a feed is a header, the fragments and a footer, so a
  re-render after one change serializes one event (DESIGN.md "Feeds"). Events are written
  here, with RFC 5545 escaping and folding, rather than through icalendar, which is about
  ten times slower and would put a cold render of 10,000 events well past a second;
  icalendar writes the calendar's header. The tests read every kind of text back through
  icalendar, ical and ical.js.
- Keeping: loading rows from the database, reusing stored fragments, storing renderings
  (bytes, gzip, ETag, Last-Modified) and telling whether a stored rendering is still fresh.
- Subscriptions: FeedToken secrets (`secrets.token_urlsafe(32)`, stored as sha256 only,
  compared in constant time) and their filters.

No Flask here: the views, the CLI and the worker pass in what they know (the base URL).
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from icalendar import Calendar, vDuration, vText
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from planner.db import utcnow
from planner.models import (
    Channel,
    FeedFragment,
    FeedRendering,
    FeedToken,
    Post,
    Status,
    User,
    Workspace,
)

# Bumped whenever the bytes of an event or of the header change shape, so stored fragments
# and renderings made by older code are not reused.
FORMAT = "1"
PRODID = "-//Planner//Content calendar feed//EN"

# The window keeps the feed small: Google stops importing somewhere above 1 MB, and 2,000
# events are about 1 MB.
WINDOW_PAST = timedelta(days=30)
WINDOW_FUTURE = timedelta(days=365)
MAX_EVENTS = 2000
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


# --- Building -------------------------------------------------------------------------------


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


# RFC 5545 TEXT cannot carry control characters (CONTROL is excluded from TSAFE-CHAR);
# newlines are escaped as \n and tabs are allowed.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


def clean_text(value: str) -> str:
    """`value` as it comes back from the feed: line breaks as \\n, control characters gone."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROLS.search(value):
        value = _CONTROLS.sub("", value)
    return value


def escape_text(value: str) -> str:
    """An RFC 5545 TEXT value (section 3.3.11): backslash, semicolon, comma and newline."""
    return (
        clean_text(value)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\n", "\\n")
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
    """`[channel] first words`: the text on one line, cut at a word before 60 characters."""
    words = _SPACES.sub(" ", clean_text(text[: SUMMARY_CHARS * 4])).strip()
    if len(words) > SUMMARY_CHARS:
        cut = words.rfind(" ", 0, SUMMARY_CHARS)
        words = words[: cut if cut > 0 else SUMMARY_CHARS].rstrip() + "…"
    channel = _SPACES.sub(" ", clean_text(channel_name)).strip()
    return f"[{channel}] {words}"


def description_for(event: FeedEvent, calendar: FeedCalendar) -> str:
    """The post's text, then its status, category, local time and a link to it."""
    shared = _shared(calendar)
    local = event.scheduled_at.astimezone(shared.zone)
    return (
        f"{clean_text(event.text)}\n\n"
        f"Status: {_LABELS[event.status]}\n"
        f"Category: {event.category}\n"
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
        f"SEQUENCE:{event.version}\r\n"
        f"STATUS:{EVENT_STATUS[event.status]}\r\n"
        # A post is not a meeting: it must not make the subscribers look busy.
        "TRANSP:TRANSPARENT\r\n"
    ).encode()
    return b"".join(
        (
            head,
            fold(f"SUMMARY:{escape_text(summary_for(event.channel_name, event.text))}"),
            fold(f"DESCRIPTION:{escape_text(description_for(event, calendar))}"),
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
    cal.add("method", "PUBLISH")
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


# --- Keeping --------------------------------------------------------------------------------


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


def _channel_names(session: Session, workspace_id: int) -> dict[int, str]:
    rows = session.execute(
        sa.select(Channel.id, Channel.name).where(Channel.workspace_id == workspace_id)
    )
    return {channel_id: name for channel_id, name in rows}


def _inputs(workspace_id: Any) -> tuple[Any, Any]:
    """Scalar subqueries for what a rendering depends on besides the workspace row: the
    latest change to its posts (one index lookup) and its channels' names."""
    latest = (
        sa.select(sa.func.max(Post.updated_at))
        .where(Post.workspace_id == workspace_id)
        .scalar_subquery()
    )
    channels = (
        sa.select(
            sa.func.aggregate_strings(
                sa.cast(Channel.id, sa.String) + "=" + Channel.name, _SEPARATOR
            )
        )
        .where(Channel.workspace_id == workspace_id)
        .scalar_subquery()
    )
    return latest, channels


_SEPARATOR = "\x1f"


def _source_key(
    workspace: Workspace,
    base_url: str,
    now: datetime,
    latest: datetime | None,
    channels: str | None,
) -> str:
    parts = [
        FORMAT,
        Window.around(now).day,
        latest.isoformat() if latest else "-",
        base_url,
        workspace.name,
        workspace.slug,
        workspace.timezone,
        # The database aggregates in no particular order.
        *sorted((channels or "").split(_SEPARATOR)),
    ]
    return hashlib.blake2b(_SEPARATOR.join(parts).encode(), digest_size=16).hexdigest()


def source_key(session: Session, workspace: Workspace, base_url: str, now: datetime) -> str:
    """A key that changes whenever the feed's inputs may have: the window's day, the latest
    change to the workspace's posts, the workspace's and its channels' names, the base URL.
    A rendering stored under another key is not fresh."""
    latest, channels = session.execute(sa.select(*_inputs(workspace.id))).one()
    return _source_key(workspace, base_url, now, latest, channels)


def load_events(
    session: Session, workspace_id: int, now: datetime
) -> tuple[list[FeedEvent], dict[int, Fragment]]:
    """The workspace's posts in the window, in time order, and their stored fragments."""
    window = Window.around(now)
    # Core rows, not ORM ones: this is the render's hot loop (10,000 rows in ~0.1 s).
    rows = session.connection().execute(
        sa.select(
            Post.id,
            Post.version,
            Post.status,
            Post.category,
            Post.channel_id,
            Channel.name,
            Post.text,
            Post.scheduled_at,
            Post.updated_at,
            Post.approved_at.is_not(None),
            FeedFragment.fragment_key,
            FeedFragment.body,
        )
        .join(Channel, Channel.id == Post.channel_id)
        .outerjoin(FeedFragment, FeedFragment.post_id == Post.id)
        .where(
            Post.workspace_id == workspace_id,
            Post.scheduled_at >= window.start,
            Post.scheduled_at < window.end,
            sa.or_(
                Post.status != Status.cancelled,
                Post.updated_at >= window.cancelled_since,
            ),
        )
        .order_by(Post.scheduled_at, Post.id)
    )
    events: list[FeedEvent] = []
    known: dict[int, Fragment] = {}
    for row in rows:
        events.append(
            FeedEvent(
                row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8],
                bool(row[9]),
            )
        )  # fmt: skip
        if row[10] is not None:
            known[row[0]] = (row[10], bytes(row[11]))
    return events, known


def _upsert(session: Session, table: sa.Table, rows: list[dict[str, Any]], keys: list[str]) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    updates = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys}
    session.execute(statement.on_conflict_do_update(index_elements=keys, set_=updates), rows)


def _store_fragments(session: Session, serialized: Mapping[int, Fragment]) -> None:
    # In post id order, so that two renders running at once lock rows in the same order.
    rows = [
        {"post_id": post_id, "fragment_key": key, "body": body}
        for post_id, (key, body) in sorted(serialized.items())
    ]
    for start in range(0, len(rows), 500):
        _upsert(session, FeedFragment.__table__, rows[start : start + 500], ["post_id"])


@dataclass(frozen=True, slots=True)
class StoredFeed:
    """A rendering as the feed URL serves it; the bytes only when they are at hand."""

    id: int
    etag: str
    last_modified: datetime
    body: bytes | None = None
    body_gzip: bytes | None = None


def stored_body(session: Session, stored: StoredFeed, gzipped: bool) -> bytes | None:
    """The stored bytes of that rendering, or None if it has been rendered again since."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # psycopg receives bytea as hex text unless it asks for binary results, which for
        # a 10,000-event feed is four times faster (16 ms against 62).
        column = "body_gzip" if gzipped else "body"
        raw = connection.connection.dbapi_connection
        assert raw is not None
        with raw.cursor(binary=True) as cursor:  # type: ignore[call-arg]
            cursor.execute(
                f"SELECT {column} FROM feed_renderings WHERE id = %s AND etag = %s",
                (stored.id, stored.etag),
            )
            row = cursor.fetchone()
        return bytes(row[0]) if row is not None else None
    return connection.scalar(
        sa.select(FeedRendering.body_gzip if gzipped else FeedRendering.body).where(
            FeedRendering.id == stored.id, FeedRendering.etag == stored.etag
        )
    )


def sticky_base_url(session: Session, workspace_id: int) -> str | None:
    """The base URL this workspace's feeds were last rendered with: without SERVER_NAME, a
    worker has no request to learn the address from, and UIDs must not change host."""
    return session.scalar(
        sa.select(FeedRendering.base_url)
        .where(FeedRendering.workspace_id == workspace_id)
        .order_by(FeedRendering.rendered_at.desc())
        .limit(1)
    )


def render(
    session: Session,
    workspace: Workspace,
    filters: Sequence[FeedFilter],
    base_url: str,
    now: datetime | None = None,
    max_events: int = MAX_EVENTS,
) -> list[StoredFeed]:
    """Render the workspace's feed for each filter; store the renderings and the fragments
    serialized on the way (the caller commits). Unchanged bytes keep their Last-Modified."""
    now = now or utcnow()
    # The key before the rows: a change committed in between makes the rendering look
    # stale (one render too many), never fresh with old rows.
    source = source_key(session, workspace, base_url, now)
    names = _channel_names(session, workspace.id)
    events, known = load_events(session, workspace.id, now)
    previous = {
        filter_key: (etag, last_modified)
        for filter_key, etag, last_modified in session.execute(
            sa.select(
                FeedRendering.filter_key, FeedRendering.etag, FeedRendering.last_modified
            ).where(FeedRendering.workspace_id == workspace.id)
        )
    }
    serialized: dict[int, Fragment] = {}
    rows = []
    for feed_filter in dict.fromkeys(filters):
        calendar = FeedCalendar(
            workspace.name,
            workspace.slug,
            workspace.timezone,
            base_url,
            calendar_name(workspace.name, feed_filter, names),
        )
        feed = build_feed(calendar, events, {**known, **serialized}, feed_filter, max_events)
        serialized.update(feed.serialized)
        etag = etag_of(feed.body)
        before = previous.get(feed_filter.key)
        rows.append(
            {
                "workspace_id": workspace.id,
                "filter_key": feed_filter.key,
                "source_key": source,
                "base_url": base_url,
                "etag": etag,
                "body": feed.body,
                # mtime=0: the same bytes always compress to the same bytes. Level 4: 10,000
                # events compress 6.6 times in 90 ms; level 6 gains 10 % for twice the time,
                # which an inline render would make a request wait.
                "body_gzip": gzip.compress(feed.body, compresslevel=4, mtime=0),
                "event_count": feed.event_count,
                "rendered_at": now,
                # HTTP dates have whole seconds; with microseconds, a client's
                # If-Modified-Since would never match.
                "last_modified": before[1]
                if before is not None and before[0] == etag
                else now.replace(microsecond=0),
            }
        )
    _store_fragments(session, serialized)
    for row in rows:
        _upsert(session, FeedRendering.__table__, [row], ["workspace_id", "filter_key"])
    ids = {
        filter_key: rendering_id
        for filter_key, rendering_id in session.execute(
            sa.select(FeedRendering.filter_key, FeedRendering.id).where(
                FeedRendering.workspace_id == workspace.id,
                FeedRendering.filter_key.in_([row["filter_key"] for row in rows]),
            )
        )
    }
    return [
        StoredFeed(
            ids[row["filter_key"]],
            row["etag"],
            row["last_modified"],
            row["body"],
            row["body_gzip"],
        )
        for row in rows
    ]


def active_filters(session: Session, workspace_id: int) -> list[FeedFilter]:
    """The distinct filters of the workspace's tokens that are not revoked."""
    rows = session.scalars(
        sa.select(FeedToken.filters)
        .where(FeedToken.workspace_id == workspace_id, FeedToken.revoked_at.is_(None))
        .order_by(FeedToken.id)
    )
    return list(dict.fromkeys(FeedFilter.from_json(f) for f in rows))


def _drop_unused_renderings(session: Session, workspace_id: int) -> None:
    keys = [f.key for f in active_filters(session, workspace_id)]
    session.execute(
        sa.delete(FeedRendering).where(
            FeedRendering.workspace_id == workspace_id, FeedRendering.filter_key.not_in(keys)
        )
    )


# Built once: the feed URL's every request runs these two statements.
_FRESHNESS = sa.select(
    FeedRendering.id,
    FeedRendering.source_key,
    FeedRendering.base_url,
    FeedRendering.etag,
    FeedRendering.last_modified,
    *_inputs(sa.bindparam("workspace_id")),
).where(
    FeedRendering.workspace_id == sa.bindparam("workspace_id"),
    FeedRendering.filter_key == sa.bindparam("filter_key"),
)


def rendering_for(
    session: Session,
    subscription: Subscription,
    configured_base: str | None,
    request_base: str,
    now: datetime | None = None,
    max_events: int = MAX_EVENTS,
    force: bool = False,
) -> StoredFeed:
    """A fresh rendering of the token's feed: the stored one if nothing changed since it
    was made (one query), else (or when forced) one rendered now and committed. A feed is
    never stale by more than one render, whether or not a worker is running."""
    now = now or utcnow()
    workspace = subscription.workspace
    feed_filter = FeedFilter.from_json(subscription.token.filters)
    row = session.execute(
        _FRESHNESS, {"workspace_id": workspace.id, "filter_key": feed_filter.key}
    ).first()
    if row is not None and not force:
        fresh = _source_key(workspace, configured_base or row[2], now, row[5], row[6])
        if row[1] == fresh:
            return StoredFeed(row[0], row[3], row[4])
    base_url = (
        configured_base
        or (row[2] if row is not None else None)
        or sticky_base_url(session, workspace.id)
        or request_base.rstrip("/")
    )
    [stored] = render(session, workspace, [feed_filter], base_url, now, max_events)
    session.commit()
    return stored


def refresh(
    session: Session,
    workspace_id: int,
    configured_base: str | None,
    now: datetime | None = None,
    max_events: int = MAX_EVENTS,
) -> int:
    """Render every subscribed feed of the workspace again, and drop the renderings nobody
    subscribes to any more. Returns how many feeds were rendered.

    The worker calls this after a change, so it does not trust the freshness check (which
    a change stamped with a lagging clock could fool). Safe to run twice, or at once with
    a request rendering inline: the same inputs give the same bytes (and the same ETag and
    Last-Modified), and the stores are upserts."""
    now = now or utcnow()
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        return 0
    _drop_unused_renderings(session, workspace_id)
    filters = active_filters(session, workspace_id)
    base_url = configured_base or sticky_base_url(session, workspace_id)
    if filters and base_url is not None:
        render(session, workspace, filters, base_url, now, max_events)
    # Without SERVER_NAME and before any request, the address is unknown: the first
    # request for the feed renders it inline.
    session.commit()
    return len(filters) if base_url is not None else 0


# --- Subscriptions --------------------------------------------------------------------------


class FeedError(ValueError):
    """A subscription that cannot be made as asked (a message for the person)."""


# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session,
    workspace: Workspace,
    creator: User | None,
    label: str,
    channel_ids: Iterable[int] = (),
    approved_only: bool = False,
) -> tuple[FeedToken, str]:
    """A new subscription and its secret, which is returned here once and stored only as a
    hash. The caller has checked that the creator may subscribe."""
    label = " ".join(label.split())
    if not label:
        raise FeedError("Give the subscription a label, such as the team or person it is for.")
    if len(label) > 120:
        raise FeedError("Keep the label under 120 characters.")
    names = _channel_names(session, workspace.id)
    wanted = frozenset(int(c) for c in channel_ids)
    unknown = wanted - names.keys()
    if unknown:
        raise FeedError("Pick channels of this workspace.")
    secret = secrets.token_urlsafe(32)
    token = FeedToken(
        workspace_id=workspace.id,
        label=label,
        token_hash=hash_token(secret),
        filters=FeedFilter(wanted, approved_only).to_json(),
        created_by_id=creator.id if creator is not None else None,
        created_at=utcnow(),
    )
    session.add(token)
    session.commit()
    return token, secret


@dataclass(frozen=True, slots=True)
class Subscription:
    """An active token and its workspace, loaded together."""

    token: FeedToken
    workspace: Workspace


_SUBSCRIPTION = (
    sa.select(FeedToken, Workspace)
    .join(Workspace, Workspace.id == FeedToken.workspace_id)
    .where(FeedToken.token_hash == sa.bindparam("token_hash"))
)


def find_subscription(session: Session, secret: str) -> Subscription | None:
    """The active subscription with this secret, or None, whether it never existed, is
    malformed or was revoked: callers answer all of these alike."""
    digest = hash_token(secret[:64])
    found = session.execute(_SUBSCRIPTION, {"token_hash": digest}).first()
    if found is None or not _TOKEN_SHAPE.fullmatch(secret):
        return None
    token, workspace = found
    # The lookup goes by hash; the comparison that decides is constant-time.
    if not hmac.compare_digest(token.token_hash, digest) or token.revoked_at is not None:
        return None
    return Subscription(token, workspace)


def revoke_token(session: Session, token: FeedToken) -> None:
    """Stop the subscription at once; its URL then gets the same 404 as an unknown one."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
        _drop_unused_renderings(session, token.workspace_id)
    session.commit()


def visible_tokens(session: Session, workspace_id: int, creator_id: int | None) -> list[FeedToken]:
    """The workspace's tokens, newest first: everyone's (creator_id None) or one person's."""
    query = sa.select(FeedToken).where(FeedToken.workspace_id == workspace_id)
    if creator_id is not None:
        query = query.where(FeedToken.created_by_id == creator_id)
    return list(
        session.scalars(query.order_by(FeedToken.revoked_at.is_not(None), FeedToken.id.desc()))
    )


@dataclass(frozen=True, slots=True)
class SubscriptionLinks:
    """One feed URL the three ways clients take it."""

    https: str
    webcal: str
    google: str

    @classmethod
    def for_url(cls, url: str) -> SubscriptionLinks:
        webcal = "webcal://" + url.split("://", 1)[1]
        google = "https://calendar.google.com/calendar/render?cid=" + quote(webcal, safe="")
        return cls(url, webcal, google)
