"""The posts of a week or a month, grouped by local day, for the calendar views."""

from __future__ import annotations

import calendar as pycal
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from planner.localtime import local_day_bounds, week_start, zone
from planner.models import Channel, Post, Status, Workspace
from rules.model import Category


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
    # The other variants of its group at the same time, shown on the same card: their
    # (id, version) and channel names.
    others: tuple[tuple[int, int], ...] = ()
    other_channels: tuple[str, ...] = ()

    @property
    def channels(self) -> str:
        return " · ".join((self.channel, *self.other_channels))

    @property
    def versions(self) -> str:
        """The other variants as "id:version;...", for a drag that moves the whole card."""
        return ";".join(f"{i}:{v}" for i, v in self.others)

    @property
    def ids(self) -> tuple[int, ...]:
        return (self.id, *(i for i, _ in self.others))

    @property
    def hhmm(self) -> str:
        return f"{self.local_at.hour:02d}:{self.local_at.minute:02d}"

    @property
    def st(self) -> StatusText:
        """The status as plain strings: enum properties cost a lot over a thousand cards."""
        return STATUS_TEXT[self.status]


@dataclass(frozen=True, slots=True)
class StatusText:
    value: str
    label: str
    icon: str


STATUS_TEXT = {s: StatusText(s.value, s.label, s.icon) for s in Status}


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
    cards: dict[tuple[int, datetime, Status], CalendarPost] = {}
    for id, version, channel, category, status, text, at, group_id in session.execute(query):
        # A group's variants at one time and in one state share a card (its channels listed).
        key = (group_id, at, status)
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
