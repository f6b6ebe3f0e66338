"""The posts of a week or a month, grouped by local day, for the calendar views."""

from __future__ import annotations

import calendar as pycal
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from planner import review
from planner.localtime import local, local_day_bounds, week_start, zone
from planner.models import Channel, Media, Membership, Post, Status, Workspace
from rules import staffing
from rules.model import Category
from rules.staffing import OFFICE_HOURS, StaffedHours, StaffedHoursError, parse_staffed


@dataclass(frozen=True)
class Filters:
    """Calendar filters, as kept in the URL's query string."""

    channel_ids: tuple[int, ...] = ()
    categories: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()

    @classmethod
    def from_args(cls, args: Mapping[str, object]) -> Filters:
        getlist = getattr(args, "getlist", None)

        def values(key: str) -> list[str]:
            if getlist is not None:
                return [v for v in getlist(key) if v]
            raw = args.get(key)
            return [str(raw)] if raw else []

        channel_ids = tuple(
            int(v) for v in values("channel") if v.isascii() and v.isdecimal() and len(v) < 10
        )
        categories = tuple(v for v in values("category") if v in {c.value for c in Category})
        statuses = tuple(v for v in values("status") if v in {s.value for s in Status})
        return cls(channel_ids, categories, statuses)

    def query_args(self) -> dict[str, list[str]]:
        return {
            key: list(map(str, vals))
            for key, vals in (
                ("channel", self.channel_ids),
                ("category", self.categories),
                ("status", self.statuses),
            )
            if vals
        }

    @property
    def active(self) -> bool:
        return bool(self.channel_ids or self.categories or self.statuses)


@dataclass(frozen=True, slots=True)
class CalendarPost:
    """What a calendar card shows; built from plain columns (no ORM objects: a busy week has
    a thousand of them)."""

    id: int
    version: int
    channel: str
    category: str
    status: Status
    words: str
    scheduled_at: datetime
    local_at: datetime
    # Approved, and its last attempt failed: the publisher tries again (shown apart from a
    # post that is simply scheduled).
    retrying: bool = False
    # The other variants of its group at the same time, shown on the same card: their
    # (id, version) and channel names.
    others: tuple[tuple[int, int], ...] = ()
    other_channels: tuple[str, ...] = ()
    # How many images and videos the group carries (the card shows a small marker).
    media: int = 0

    @property
    def media_words(self) -> str:
        return f"{self.media} file{'s' if self.media != 1 else ''} attached"

    @property
    def channels(self) -> str:
        return " · ".join((self.channel, *self.other_channels))

    @property
    def versions(self) -> str:
        """The other variants as "id:version;...", for a drag that moves the whole card."""
        return ";".join(f"{i}:{v}" for i, v in self.others)

    @property
    def selection(self) -> str:
        """The card as the selection form sends it: this post and the variants it shows."""
        own = f"{self.id}:{self.version}"
        return f"{own};{self.versions}" if self.others else own

    @property
    def ids(self) -> tuple[int, ...]:
        return (self.id, *(i for i, _ in self.others))

    @property
    def hhmm(self) -> str:
        return f"{self.local_at.hour:02d}:{self.local_at.minute:02d}"

    @property
    def st(self) -> StatusText:
        """The status as plain strings: enum properties cost a lot over a thousand cards."""
        return RETRYING if self.retrying else STATUS_TEXT[self.status]


@dataclass(frozen=True, slots=True)
class StatusText:
    value: str
    label: str


STATUS_TEXT = {s: StatusText(s.value, s.label) for s in Status}
RETRYING = StatusText("retrying", "retrying")


def first_words(text: str, limit: int = 70) -> str:
    """The start of the text, cut at a word boundary, with an ellipsis when cut."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] or flat[:limit]
    return cut + "…"


@dataclass
class Day:
    day: date
    posts: list[CalendarPost] = field(default_factory=list)

    def by_hour(self) -> dict[int, list[CalendarPost]]:
        hours: dict[int, list[CalendarPost]] = defaultdict(list)
        for item in self.posts:
            hours[item.local_at.hour].append(item)
        return hours


def posts_between(
    session: Session, workspace: Workspace, first: date, last_exclusive: date, filters: Filters
) -> list[CalendarPost]:
    """The workspace's posts whose local date is in [first, last_exclusive), in time order.

    One query, whatever the number of posts.
    """
    start, end = local_day_bounds(first, last_exclusive, workspace.timezone)
    query = (
        sa.select(
            Post.id,
            Post.version,
            Channel.name,
            Post.category,
            Post.status,
            Post.text,
            Post.scheduled_at,
            Post.group_id,
            review.retrying_clause(),
            # One index lookup per row (media.group_id): a week of a thousand posts stays
            # one query.
            sa.select(sa.func.count(Media.id))
            .where(Media.group_id == Post.group_id)
            .correlate(Post)
            .scalar_subquery(),
        )
        .join(Channel, Channel.id == Post.channel_id)
        .where(
            Post.workspace_id == workspace.id,
            Post.scheduled_at >= start,
            Post.scheduled_at < end,
        )
        .order_by(Post.scheduled_at, Channel.name, Post.id)
    )
    if filters.channel_ids:
        query = query.where(Post.channel_id.in_(filters.channel_ids))
    if filters.categories:
        query = query.where(Post.category.in_(filters.categories))
    if filters.statuses:
        query = query.where(Post.status.in_([Status(s) for s in filters.statuses]))
    tz = zone(workspace.timezone)
    cards: dict[tuple[int, datetime, Status, bool], CalendarPost] = {}
    rows = session.execute(query)
    for id, version, channel, category, status, text, at, group_id, retrying, files in rows:
        # A group's variants at one time and in one state share a card (its channels listed).
        key = (group_id, at, status, bool(retrying))
        lead = cards.get(key)
        if lead is None:
            cards[key] = CalendarPost(
                id,
                version,
                channel,
                category or "uncategorised",
                status,
                first_words(text),
                at,
                at.astimezone(tz),
                bool(retrying),
                media=files or 0,
            )
        else:
            cards[key] = replace(
                lead,
                others=(*lead.others, (id, version)),
                other_channels=(*lead.other_channels, channel),
            )
    return list(cards.values())


def _days(first: date, count: int, posts: list[CalendarPost]) -> list[Day]:
    days = [Day(first + timedelta(days=i)) for i in range(count)]
    index = {d.day: d for d in days}
    for item in posts:
        bucket = index.get(item.local_at.date())
        if bucket is not None:
            bucket.posts.append(item)
    return days


def staffed_hours_of(channel: Channel) -> StaffedHours:
    """A channel's staffed hours: its own, or the default office hours."""
    if channel.staffed_hours is None:
        return OFFICE_HOURS
    try:
        return parse_staffed(channel.staffed_hours)
    except StaffedHoursError:
        return OFFICE_HOURS  # stored values are validated when saved; never break the page


def unstaffed_hours(channels: Sequence[Channel], shown_ids: Sequence[int] = ()) -> list[set[int]]:
    """For each weekday (Monday first), the hours of the day that no channel shown staffs at
    all (the week grid shades them). `shown_ids` are the channels the calendar is filtered
    to (empty: every channel); with no channel, nothing is shaded."""
    shown = [c for c in channels if not shown_ids or c.id in shown_ids]
    if not shown:
        return [set() for _ in range(7)]
    schedules = [staffed_hours_of(c) for c in shown]
    found = []
    for weekday in range(7):
        free = list(staffing.unstaffed_hours(schedules, weekday))
        found.append(
            {h for h in range(24) if any(a <= h * 60 and (h + 1) * 60 <= b for a, b in free)}
        )
    return found


def week(session: Session, workspace: Workspace, any_day: date, filters: Filters) -> list[Day]:
    """The seven days (Monday to Sunday) of the ISO week containing `any_day`."""
    monday = week_start(any_day)
    posts = posts_between(session, workspace, monday, monday + timedelta(days=7), filters)
    return _days(monday, 7, posts)


def month(
    session: Session, workspace: Workspace, year: int, month_number: int, filters: Filters
) -> list[list[Day]]:
    """Whole weeks (Monday first) covering the month, as rows of seven days."""
    first = date(year, month_number, 1)
    last = date(year, month_number, pycal.monthrange(year, month_number)[1])
    grid_start = week_start(first)
    grid_end = week_start(last) + timedelta(days=7)
    count = (grid_end - grid_start).days
    posts = posts_between(session, workspace, grid_start, grid_end, filters)
    days = _days(grid_start, count, posts)
    return [days[i : i + 7] for i in range(0, count, 7)]


# The hours a week always shows: a working day, so the grid does not jump from week to week.
DEFAULT_HOURS = range(8, 19)
# Weeks before the one shown that tell the hours the workspace uses.
HOURS_LOOKBACK_WEEKS = 4


def hours_used(session: Session, workspace: Workspace, monday: date) -> range:
    """The hours of the day the week grid shows: 08:00 to 18:00, widened to the hours the
    workspace's posts use (the week shown and the four before) with an hour either side.
    Every post of the week shown falls inside, whatever the filters."""
    start, end = local_day_bounds(
        monday - timedelta(weeks=HOURS_LOOKBACK_WEEKS),
        monday + timedelta(days=7),
        workspace.timezone,
    )
    instants = session.scalars(
        sa.select(Post.scheduled_at)
        .distinct()
        .where(
            Post.workspace_id == workspace.id,
            Post.scheduled_at >= start,
            Post.scheduled_at < end,
        )
    )
    hours = {local(at, workspace.timezone).hour for at in instants}
    first = min([DEFAULT_HOURS.start, *(h - 1 for h in hours)])
    last = max([DEFAULT_HOURS.stop - 1, *(h + 1 for h in hours)])
    return range(max(first, 0), min(last, 23) + 1)


@dataclass(frozen=True)
class Problem:
    """A post that failed to publish or waits for another attempt, for the calendar's
    notification line."""

    id: int
    channel: str
    local_at: datetime
    retrying: bool
    reason: str


def publishing_problems(
    session: Session, workspace: Workspace, limit: int = 5
) -> tuple[list[Problem], int]:
    """The soonest failed or retrying posts (up to `limit`) and how many there are."""
    clause = (Post.status == Status.failed) | review.retrying_clause()
    rows = session.execute(
        sa.select(
            Post.id,
            Channel.name,
            Post.scheduled_at,
            Post.status,
            Post.last_error,
            sa.func.count().over(),  # all of them, beside the first few
        )
        .join(Channel, Channel.id == Post.channel_id)
        .where(Post.workspace_id == workspace.id, clause)
        .order_by(Post.scheduled_at.desc(), Post.id)
        .limit(limit)
    ).all()
    tz = zone(workspace.timezone)
    problems = [
        Problem(id, channel, at.astimezone(tz), status == Status.approved, error or "")
        for id, channel, at, status, error, _ in rows
    ]
    return problems, rows[0][-1] if rows else 0


@dataclass(frozen=True)
class Start:
    """How far a workspace has come: the empty state's checklist."""

    channels: int
    members: int
    posts: int

    @property
    def empty(self) -> bool:
        return not self.posts


def getting_started(session: Session, workspace: Workspace) -> Start:
    channels, members, posts = session.execute(
        sa.select(
            sa.select(sa.func.count())
            .select_from(Channel)
            .where(Channel.workspace_id == workspace.id)
            .scalar_subquery(),
            sa.select(sa.func.count())
            .select_from(Membership)
            .where(Membership.workspace_id == workspace.id)
            .scalar_subquery(),
            sa.select(Post.id).where(Post.workspace_id == workspace.id).limit(1).scalar_subquery(),
        )
    ).one()
    return Start(channels, members, 1 if posts else 0)
