"""The plan as the rules read it: each post's local time worked out once, the posts in time order,
and the views the rules share (channel timelines, channel-weeks, workspace-weeks).

Rules never see raw lists of items. Posts are numbered 0..n-1 in the order they were given, and
the plan keeps one column per fact (`plan.items[p]`, `plan.at[p]`, `plan.ts[p]`, `plan.day[p]`,
`plan.week[p]`); timelines are lists of post numbers. Columns keep a 50,000-post plan to a few
lists instead of 50,000 objects, which is what makes a full check fast.

When the composer checks one changed post, the plan is built from the posts around the change
and marks what to look at (`focus_channels`, `focus_ids`); the views then only offer those, and
rules need not know.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from functools import cached_property
from itertools import groupby
from operator import attrgetter, sub
from typing import TypeVar, cast

from rules.config import RuleConfig
from rules.model import (
    CATEGORY_FAMILY,
    Category,
    Family,
    Finding,
    Measure,
    PlanItem,
    PostId,
    Severity,
)

T = TypeVar("T")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ID = attrgetter("id")
_CHANNEL = attrgetter("channel")
MICROSECOND = timedelta(microseconds=1)


def to_ts(moment: datetime) -> int:
    """An aware datetime as exact microseconds since the Unix epoch."""
    return (moment - EPOCH) // MICROSECOND


def id_key(post_id: PostId) -> tuple[int, int, str]:
    """A sort key for post ids that may mix ints and strings."""
    if isinstance(post_id, int):
        return (0, post_id, "")
    return (1, 0, str(post_id))


def _tiebreak(item: PlanItem) -> tuple[object, ...]:
    """Orders posts scheduled at the same instant, whatever order they came in."""
    return (item.channel, id_key(item.id), item.network, item.category or "", item.text)


@dataclass(frozen=True, slots=True)
class WeekMix:
    """The categorised posts of one calendar week, on one channel or (channel None) on all."""

    channel: str | None
    week: int
    posts: tuple[int, ...]
    categories: tuple[Category, ...]
    counts: Counter[Category]

    @property
    def total(self) -> int:
        """How many categorised posts the week has."""
        return len(self.posts)

    def count(self, categories: Iterable[Category]) -> int:
        """How many of the week's posts are in one of `categories`."""
        return sum(self.counts[c] for c in set(categories))

    def share(self, categories: Iterable[Category]) -> Fraction:
        """The exact share of the week's posts in one of `categories`."""
        return Fraction(self.count(categories), self.total)

    def posts_in(self, categories: Iterable[Category]) -> tuple[int, ...]:
        """The week's posts in one of `categories`, in time order."""
        wanted = set(categories)
        return tuple(p for p, c in zip(self.posts, self.categories, strict=True) if c in wanted)

    def posts_not_in(self, categories: Iterable[Category]) -> tuple[int, ...]:
        """The week's other posts, in time order."""
        unwanted = set(categories)
        return tuple(
            p for p, c in zip(self.posts, self.categories, strict=True) if c not in unwanted
        )


class Plan:
    """The posts to check, their columns, the shared views and the settings."""

    def __init__(
        self,
        items: Sequence[PlanItem],
        config: RuleConfig,
        *,
        range_start: datetime | None = None,
        range_end: datetime | None = None,
        focus_channels: frozenset[str] | None = None,
        focus_ids: frozenset[PostId] | None = None,
        ts: Sequence[int] | None = None,
    ) -> None:
        """`items` must lie inside the range. The range defaults to the first and last post.
        `ts` may pass the posts' `to_ts` values when the caller has them already."""
        zone = config.zone
        self.config = config
        self.zone = zone
        self.focus_channels = focus_channels
        self.focus_ids = focus_ids
        # Columns are tuples: the garbage collector stops tracking a tuple of plain values
        # (ints, strings, datetimes) the first time it sees it, where it would walk a list of
        # 50,000 on every pass.
        self.items: Sequence[PlanItem] = items
        self.ts: tuple[int, ...] = tuple(
            ts if ts is not None else [(i.scheduled_at - EPOCH) // MICROSECOND for i in items]
        )
        self.at: tuple[datetime, ...] = tuple([i.scheduled_at.astimezone(zone) for i in items])
        self.day: tuple[int, ...] = tuple([at.toordinal() for at in self.at])
        # date.toordinal() is 1 for Monday 0001-01-01, so this is each post's ISO week Monday.
        self.week: tuple[int, ...] = tuple([day - (day - 1) % 7 for day in self.day])
        # Each channel's posts in time order, channels by name; posts at the same instant in a
        # fixed order (`_untie`), so that the order the posts came in never shows through.
        by_channel: dict[str, list[int]] = {}
        for post, channel in enumerate([i.channel for i in items]):
            posts = by_channel.get(channel)
            if posts is None:
                by_channel[channel] = [post]
            else:
                posts.append(post)
        ts = self.ts
        self.channels: dict[str, tuple[int, ...]] = {}
        for name in sorted(by_channel):
            posts = by_channel[name]
            posts.sort(key=ts.__getitem__)
            self.channels[name] = tuple(self._untie(posts))
        # All posts in time order. The sort is stable: posts at the same instant stay in
        # channel order, then in their channel's order. Evidence is always a piece of this or of
        # a channel's list, so findings list their posts in a fixed order too.
        timeline = [p for posts in self.channels.values() for p in posts]
        timeline.sort(key=ts.__getitem__)
        self.timeline: tuple[int, ...] = tuple(timeline)
        if range_start is None:
            range_start = self.at[self.timeline[0]] if self.items else EPOCH
        if range_end is None:
            range_end = self.at[self.timeline[-1]] if self.items else EPOCH
        self.range_start = range_start.astimezone(zone)
        self.range_end = range_end.astimezone(zone)
        self.range_start_ts = to_ts(range_start)
        self.range_end_ts = to_ts(range_end)

    def _untie(self, posts: list[int]) -> list[int]:
        """Posts in time order with those at the same instant in a fixed order (channel, id,
        ...), so that the order the posts came in never shows through in the findings."""
        ts = self.ts
        stamps = list(map(ts.__getitem__, posts))
        if len(set(stamps)) == len(stamps):
            return posts
        tied = [k for k, step in enumerate(map(sub, stamps[1:], stamps[:-1]), 1) if not step]
        items = self.items
        posts = list(posts)
        start = 0
        for index, k in enumerate(tied):
            if index == 0 or tied[index - 1] != k - 1:
                start = k - 1
            if index + 1 == len(tied) or tied[index + 1] != k + 1:
                posts[start : k + 1] = sorted(
                    posts[start : k + 1], key=lambda p: _tiebreak(items[p])
                )
        return posts

    @cached_property
    def category(self) -> tuple[Category | None, ...]:
        """Each post's category (a column)."""
        return tuple([i.category for i in self.items])

    @cached_property
    def text(self) -> tuple[str, ...]:
        """Each post's text (a column)."""
        return tuple([i.text for i in self.items])

    def channel_timelines(self) -> Iterator[tuple[str, tuple[int, ...]]]:
        """(channel, its posts in time order) for each channel to check, by channel name."""
        focus = self.focus_channels
        for name, posts in self.channels.items():
            if focus is None or name in focus:
                yield name, posts

    @cached_property
    def checked(self) -> Sequence[int]:
        """The posts whose own text and time are checked (all, or the changed post). In the
        order they were given, which reads memory in order; a rule about single posts makes
        findings that the sort by window puts in place."""
        focus = self.focus_ids
        if focus is None:
            return range(len(self.items))
        items = self.items
        return [p for p in self.timeline if items[p].id in focus]

    def checked_column(self, column: Sequence[T]) -> Sequence[T]:
        """A column's values for the `checked` posts, in the same order."""
        if self.focus_ids is None:
            return column
        return tuple(map(column.__getitem__, self.checked))

    @cached_property
    def heads(self) -> tuple[str, ...]:
        """The first 40 characters of each post's text (a column)."""
        return tuple([text[:40] for text in self.text])

    @cached_property
    def tails(self) -> tuple[str, ...]:
        """The last 40 characters of each post's text (a column)."""
        return tuple([text[-40:] for text in self.text])

    @cached_property
    def week_mixes(self) -> tuple[WeekMix, ...]:
        """Each channel-week and each workspace-week (channel None) with categorised posts,
        by week, workspace first, then channel name."""
        week = self.week
        mixes: list[WeekMix] = []
        for monday, posts in groupby(self.timeline, key=week.__getitem__):
            mixes.extend(self._mix(None, monday, tuple(posts)))
        for name, posts in self.channel_timelines():
            for monday, in_week in groupby(posts, key=week.__getitem__):
                mixes.extend(self._mix(name, monday, tuple(in_week)))
        mixes.sort(key=lambda m: (m.week, m.channel is not None, m.channel or ""))
        return tuple(mixes)

    def _mix(self, channel: str | None, week: int, posts: tuple[int, ...]) -> list[WeekMix]:
        """The week's mix of categorised posts; none when no post has a category."""
        found: tuple[Category | None, ...] = tuple(map(self.category.__getitem__, posts))
        if None in found:
            kept = [(p, c) for p, c in zip(posts, found, strict=True) if c is not None]
            posts = tuple(p for p, _ in kept)
            found = tuple(c for _, c in kept)
        if not posts:
            return []
        categories = cast(tuple[Category, ...], found)
        return [WeekMix(channel, week, posts, categories, Counter(categories))]

    def days_of(self, posts: Sequence[int]) -> Iterator[tuple[int, list[int]]]:
        """(local date ordinal, posts) for each local day of a time-ordered list of posts."""
        for day, in_day in groupby(posts, key=self.day.__getitem__):
            yield day, list(in_day)

    def network_of(self, posts: Sequence[int]) -> str:
        """A channel's network, lowercased, as its first post says."""
        return self.items[posts[0]].network.lower()

    def local_midnight(self, ordinal: int) -> datetime:
        """The start of a local day (by date ordinal) in the workspace timezone."""
        return datetime.combine(date.fromordinal(ordinal), time(0), tzinfo=self.zone)

    def week_window(self, week: int) -> tuple[datetime, datetime]:
        """[Monday 00:00, next Monday 00:00) of a week, local."""
        return self.local_midnight(week), self.local_midnight(week + 7)

    def day_window(self, day: int) -> tuple[datetime, datetime]:
        """[00:00, next 00:00) of a local day."""
        return self.local_midnight(day), self.local_midnight(day + 1)

    def week_label(self, week: int) -> str:
        """An ISO week as people write it: "2025-W14"."""
        year, number, _ = date.fromordinal(week).isocalendar()
        return f"{year}-W{number:02d}"

    def day_label(self, day: int) -> str:
        """A local day: "Mon 2025-03-31"."""
        return date.fromordinal(day).strftime("%a %Y-%m-%d")

    def moment(self, at: datetime) -> str:
        """A local time with its zone named: "2025-03-31 09:30 Europe/Berlin"."""
        at = at.astimezone(self.zone)
        return (
            f"{at.year:04d}-{at.month:02d}-{at.day:02d} {at.hour:02d}:{at.minute:02d} "
            f"{self.zone.key}"
        )

    def finding(
        self,
        rule: str,
        severity: Severity,
        channel: str | None,
        window: tuple[datetime, datetime],
        evidence: Iterable[int],
        measured: Measure,
        threshold: Measure,
        message: str,
        hint: str,
    ) -> Finding:
        """A Finding whose post ids are those of the evidence: post numbers in time order, as
        the timeline or a channel's list has them."""
        return Finding(
            rule=rule,
            severity=severity,
            channel=channel,
            window_start=window[0],
            window_end=window[1],
            post_ids=tuple(map(_ID, map(self.items.__getitem__, evidence))),
            measured=measured,
            threshold=threshold,
            message=message,
            hint=hint,
        )


def family_members(families: Iterable[Family]) -> frozenset[Category]:
    """The categories of some families."""
    wanted = set(families)
    return frozenset(c for c, f in CATEGORY_FAMILY.items() if f in wanted)


def where(channel: str | None) -> str:
    """ "on <channel>" or "across all channels", for messages."""
    return f"on {channel}" if channel is not None else "across all channels"
