"""The plan as the rules read it: each post's local time worked out once, the posts in time order,
and the views the rules share (channel timelines, channel-weeks, workspace-weeks).

Rules never see raw lists of items. Posts are numbered 0..n-1 in the order they were given, and
the plan keeps one column per fact (`plan.items[p]`, `plan.at[p]`, `plan.ts[p]`, `plan.day[p]`,
`plan.week[p]`); timelines are lists of post numbers. Columns keep a 50,000-post plan to a few
lists instead of 50,000 objects, which is what makes a full check fast.

What the mix counts are units (docs/design.md, "Replies, threads and uncategorised posts"): a
thread (posts sharing a `thread` key on a channel, or following each other within 2 minutes) is
one unit, its first post's; a reply is a unit of care whatever its category. Cadence rules leave
replies out and read a thread as one post where the rule says so.

When the composer checks one changed post, the plan is built from the posts around the change
and marks what to look at (`focus_channels`, `focus_ids`); the views then only offer those, and
rules need not know. `channel_spans` then tells the first and last post of each focus channel
in the whole plan, which the posts read may not reach.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from functools import cached_property
from itertools import groupby
from operator import attrgetter, itemgetter, sub
from typing import TypeVar, cast

from rules.config import RuleConfig
from rules.model import (
    CATEGORY_FAMILY,
    REPLY_OPENING,
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
_REPLY_TO, _THREAD = attrgetter("reply_to"), attrgetter("thread")
_GROUP = attrgetter("group")
_CATEGORY, _TEXT = attrgetter("category"), attrgetter("text")
_FIRST = itemgetter(slice(None, 1))
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


# Posts on one channel this close to the one before are parts of one thread.
THREAD_GAP = timedelta(minutes=2)
WEEK = 7  # days; weeks are identified by the date ordinal of their Monday


@dataclass(frozen=True, slots=True)
class Mix:
    """The units of one window, on one channel or (channel None) on all: a calendar week, a
    run of weeks, or a channel's whole plan. `posts` are the categorised units' first posts
    with their `categories`; `unknown` the uncategorised units' first posts."""

    channel: str | None
    first_week: int
    weeks: int
    posts: tuple[int, ...]
    categories: tuple[Category, ...]
    counts: Counter[Category]
    unknown: tuple[int, ...] = ()
    units: tuple[int, ...] = ()

    @property
    def week(self) -> int:
        """The window's first week (its only week, for a weekly mix)."""
        return self.first_week

    @property
    def total(self) -> int:
        """How many categorised units the window has."""
        return len(self.posts)

    @property
    def uncategorised(self) -> int:
        """How many units have no category."""
        return len(self.unknown)

    @property
    def size(self) -> int:
        """All units, categorised or not: what the minimum counts are compared with."""
        return len(self.posts) + len(self.unknown)

    def count(self, categories: Iterable[Category]) -> int:
        """How many of the window's units are in one of `categories`."""
        return sum(self.counts[c] for c in set(categories))

    def share(self, categories: Iterable[Category]) -> Fraction:
        """The exact share of the categorised units in one of `categories`."""
        return Fraction(self.count(categories), self.total)

    def posts_in(self, categories: Iterable[Category]) -> tuple[int, ...]:
        """The units in one of `categories` (their first posts), in time order."""
        wanted = set(categories)
        return tuple(p for p, c in zip(self.posts, self.categories, strict=True) if c in wanted)

    def posts_not_in(self, categories: Iterable[Category]) -> tuple[int, ...]:
        """The other categorised units, in time order."""
        unwanted = set(categories)
        return tuple(
            p for p, c in zip(self.posts, self.categories, strict=True) if c not in unwanted
        )

    def all_posts(self) -> tuple[int, ...]:
        """Every unit's first post, categorised or not, in time order."""
        return self.units or self.posts


WeekMix = Mix  # the name of rules before long windows


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
        channel_spans: dict[str, tuple[int, int]] | None = None,
    ) -> None:
        """`items` must lie inside the range. `range_start` / `range_end` are the explicit range
        (None: the plan simply starts at its first post and ends at its last). `ts` may pass
        the posts' `to_ts` values when the caller has them already. `channel_spans` gives
        channels' first and last post (`to_ts`) where the posts given do not reach them."""
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
        # The explicit range, if any: quiet-channel measures the gaps at its edges.
        self.range_start = range_start.astimezone(zone) if range_start is not None else None
        self.range_end = range_end.astimezone(zone) if range_end is not None else None
        self.range_start_ts = to_ts(range_start) if range_start is not None else None
        self.range_end_ts = to_ts(range_end) if range_end is not None else None
        self.channel_spans = channel_spans or {}
        self.any_thread = False  # set by `head` when a thread has more than one post

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
        return tuple(map(_CATEGORY, self.items))

    @cached_property
    def text(self) -> tuple[str, ...]:
        """Each post's text (a column)."""
        return tuple(map(_TEXT, self.items))

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
    def reply(self) -> tuple[bool, ...]:
        """Whether each post is a reply (a column)."""
        answers = list(map(_REPLY_TO, self.items))
        flags = [a is not None for a in answers] if answers.count(None) < len(answers) else None
        # Most posts open with a letter: only those opening with "@" or a space are read.
        firsts = list(map(_FIRST, self.text))
        starts = {c for c in set(firsts) if c == "@" or c.isspace()}
        leading = REPLY_OPENING.match
        opening = (
            [
                k
                for k, first in enumerate(firsts)
                if first in starts and leading(self.text[k]) is not None
            ]
            if starts
            else []
        )
        if flags is None and not opening:
            return (False,) * len(answers)
        if flags is None:
            flags = [False] * len(answers)
        for k in opening:
            flags[k] = True
        return tuple(flags)

    @cached_property
    def any_reply(self) -> bool:
        """Whether the plan has a reply at all."""
        return any(self.reply)

    @cached_property
    def head(self) -> tuple[int, ...]:
        """Each post's thread's first post (itself when it is not part of a thread)."""
        heads = list(range(len(self.items)))
        items, ts, reply = self.items, self.ts, self.reply
        gap = THREAD_GAP // MICROSECOND
        keys = list(map(_THREAD, items))
        keyed = keys.count(None) < len(keys)
        for posts in self.channels.values():
            stamps = list(map(ts.__getitem__, posts))
            steps = list(map(sub, stamps[1:], stamps[:-1]))
            close = (
                [k for k, step in enumerate(steps, 1) if step <= gap]
                if steps and min(steps) <= gap
                else []
            )
            if not close and not (keyed and any(keys[p] is not None for p in posts)):
                continue
            # Union-find over the channel's posts (positions in its time order).
            parent = list(range(len(posts)))

            def root(k: int, parent: list[int] = parent) -> int:
                while parent[k] != k:
                    parent[k] = parent[parent[k]]
                    k = parent[k]
                return k

            def join(a: int, b: int, parent: list[int] = parent) -> None:
                ra, rb = root(a), root(b)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)

            first_of_key: dict[str, int] = {}
            for k, p in enumerate(posts):
                key = keys[p]
                if key is not None:
                    join(k, first_of_key.setdefault(key, k))
            if close:
                # Consecutive posts that are not replies, within THREAD_GAP, unless both name
                # different threads.
                plain = [k for k, p in enumerate(posts) if not reply[p]]
                for a, b in zip(plain, plain[1:], strict=False):
                    first, second = posts[a], posts[b]
                    if ts[second] - ts[first] > gap:
                        continue
                    if keys[first] is not None and keys[second] is not None:
                        if keys[first] != keys[second]:
                            continue
                    join(a, b)
            for k, p in enumerate(posts):
                heads[p] = posts[root(k)]
                if heads[p] != p:
                    self.any_thread = True
        return tuple(heads)

    @cached_property
    def unit_category(self) -> tuple[Category | None, ...]:
        """What each post counts as in the mix if it is a unit's first post: care for a
        reply, its category otherwise (None: uncategorised)."""
        if not self.any_reply:
            return self.category
        care = Category.CARE
        return tuple([care if r else c for r, c in zip(self.reply, self.category, strict=True)])

    def units_of(self, posts: Sequence[int]) -> Sequence[int]:
        """The units' first posts among a time-ordered list of posts (thread parts after the
        first left out)."""
        head = self.head
        if not self.any_thread:
            return posts
        return [p for p in posts if head[p] == p]

    def broadcasts_of(self, posts: Sequence[int]) -> Sequence[int]:
        """The posts that are not replies, in the same order."""
        if not self.any_reply:
            return posts
        reply = self.reply
        return [p for p in posts if not reply[p]]

    def workspace_units_of(self, posts: Sequence[int]) -> Sequence[int]:
        """The units of the whole workspace among time-ordered posts: a group planned for
        several channels counts once (its first variant), as the people who follow several
        of the brand's channels see one piece of content."""
        units = self.units_of(posts)
        groups = list(map(_GROUP, self.items))
        if groups.count(None) == len(groups):
            return units
        seen: set[str] = set()
        kept = []
        for p in units:
            key = groups[p]
            if key is None:
                kept.append(p)
            elif key not in seen:
                seen.add(key)
                kept.append(p)
        return kept

    @cached_property
    def channel_units(self) -> dict[str, tuple[int, ...]]:
        """Each channel's units (first posts) in time order, every channel."""
        return {name: tuple(self.units_of(posts)) for name, posts in self.channels.items()}

    @cached_property
    def week_mixes(self) -> tuple[Mix, ...]:
        """Each channel-week and each workspace-week (channel None) with units, by week,
        workspace first, then channel name."""
        week = self.week
        mixes: list[Mix] = []
        units = self.channel_units
        timeline = self.workspace_units_of(self.timeline)
        for monday, posts in groupby(timeline, key=week.__getitem__):
            mixes.append(self.mix_of(None, monday, 1, tuple(posts)))
        # Every channel, focus or not: a workspace-week on one channel reports as that
        # channel's week (rules/mix.py), which the composer's check must see too.
        for name in self.channels:
            for monday, in_week in groupby(units[name], key=week.__getitem__):
                mixes.append(self.mix_of(name, monday, 1, tuple(in_week)))
        mixes.sort(key=lambda m: (m.week, m.channel is not None, m.channel or ""))
        return tuple(mixes)

    def mix_of(self, channel: str | None, first_week: int, weeks: int, posts: Sequence[int]) -> Mix:
        """The mix of some units (first posts, in time order)."""
        found: tuple[Category | None, ...] = tuple(map(self.unit_category.__getitem__, posts))
        units = tuple(posts)
        unknown: tuple[int, ...] = ()
        if None in found:
            unknown = tuple(p for p, c in zip(posts, found, strict=True) if c is None)
            kept = [(p, c) for p, c in zip(posts, found, strict=True) if c is not None]
            posts = tuple(p for p, _ in kept)
            found = tuple(c for _, c in kept)
        categories = cast(tuple[Category, ...], found)
        return Mix(
            channel,
            first_week,
            weeks,
            tuple(posts),
            categories,
            Counter(categories),
            unknown,
            units if unknown else (),
        )

    @cached_property
    def channel_week_mixes(self) -> dict[str, dict[int, Mix]]:
        """Each channel's weekly mixes by Monday."""
        found: dict[str, dict[int, Mix]] = {}
        for mix in self.week_mixes:
            if mix.channel is not None:
                found.setdefault(mix.channel, {})[mix.week] = mix
        return found

    def channel_weeks(self, channel: str) -> list[tuple[int, tuple[int, ...]]]:
        """(Monday, units) of each week of a channel with units, in order."""
        week = self.week
        return [
            (monday, tuple(in_week))
            for monday, in_week in groupby(self.channel_units[channel], key=week.__getitem__)
        ]

    def channel_week_span(self, channel: str) -> tuple[int, int] | None:
        """The Mondays of a channel's first and last week with posts in the whole plan."""
        posts = self.channels.get(channel)
        span = self.channel_spans.get(channel)
        if span is not None:
            first, last = (self._week_of_ts(t) for t in span)
        elif posts:
            first, last = self.week[posts[0]], self.week[posts[-1]]
        else:
            return None
        if posts:
            first = min(first, self.week[posts[0]])
            last = max(last, self.week[posts[-1]])
        return first, last

    def _week_of_ts(self, stamp: int) -> int:
        day = (EPOCH + stamp * MICROSECOND).astimezone(self.zone).toordinal()
        return day - (day - 1) % 7

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
        uncategorised: int = 0,
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
            uncategorised=uncategorised,
        )


def family_members(families: Iterable[Family]) -> frozenset[Category]:
    """The categories of some families."""
    wanted = set(families)
    return frozenset(c for c, f in CATEGORY_FAMILY.items() if f in wanted)


def where(channel: str | None) -> str:
    """ "on <channel>" or "across all channels", for messages."""
    return f"on {channel}" if channel is not None else "across all channels"
