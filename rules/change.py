"""`check_change`: what one edit in the composer adds and clears, reading only the posts
around it.

The report must equal diffing `check` of the whole plan before and after the change
(tests/rules/test_properties.py holds it to that). Reading less than the whole plan is safe only
when everything a differing finding rests on was read, so the reading is planned from what the
rules need, and grows until every differing finding lies well inside it:

- on the changed channels: the posts within a pad of the old and new times wide enough for the
  4-week windows around them, and out to the nearest post on each side that ends a promotion
  streak (a streak may span any time); the channel's whole plan when it may be too quiet for
  any 4 weeks to be judged (brand-monologue and no-conversation then judge its whole plan);
- on every channel: the weeks the post leaves and enters (the workspace-week mixes and burst);
- every part of a thread (by key) that has a part in what was read, and no thread of posts
  within 2 minutes cut at the edge of the reading.

Each channel's first and last post in the whole plan are passed to the plans built, so the
4-week windows line up as they would in the whole plan.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from operator import attrgetter
from typing import Any

from rules.config import RuleConfig
from rules.engine import explicit, explicit_ts, finding_order, inside, run
from rules.mix import channel_is_dense
from rules.model import (
    DEFAULT_NETWORK_CAPS,
    NETWORK_CAPS,
    Category,
    Finding,
    PlanItem,
    PostId,
)
from rules.plan import MICROSECOND, THREAD_GAP, Plan, to_ts

_AT = attrgetter("scheduled_at")
_WEEK = timedelta(days=7)
# The rules whose channel findings may cover many weeks (rules/mix.py, long windows).
LONG_RULES = frozenset({"brand-monologue", "no-conversation"})


@dataclass(frozen=True)
class ChangeReport:
    """What one change does to the findings: the ones it adds and the ones it clears.

    A finding whose measure changes (a share going from 3/5 to 4/6) is both cleared and added.
    """

    added: tuple[Finding, ...]
    cleared: tuple[Finding, ...]


def check_change(
    items: Sequence[PlanItem],
    before: PlanItem | None,
    after: PlanItem | None,
    config: RuleConfig | None = None,
) -> ChangeReport:
    """What changing one post does: `before` is the post as it is (None for a new post),
    `after` as it would be (None for a deletion), `items` the plan (items with the changed
    post's id are ignored). Equal to diffing `check` of the plan before and after, but only
    the posts around the change are checked."""
    config = config or RuleConfig()
    if before == after:
        return ChangeReport((), ())
    changed = [p for p in (before, after) if p is not None]
    if not isinstance(items, list | tuple):
        items = list(items)
    low, high = explicit_ts(config)
    if not any(inside(to_ts(p.scheduled_at), low, high) for p in changed):
        return ChangeReport((), ())  # the post stays outside the checked range
    return _Reading(items, before, after, config).report()


def _diff(old: list[Finding], new: list[Finding]) -> ChangeReport:
    before, after = Counter(old), Counter(new)
    added = sorted((after - before).elements(), key=finding_order)
    cleared = sorted((before - after).elements(), key=finding_order)
    return ChangeReport(tuple(added), tuple(cleared))


Interval = tuple[datetime, datetime]


class _Reading:
    """The posts read around one change, grown until the report is exact."""

    def __init__(
        self,
        items: Sequence[PlanItem],
        before: PlanItem | None,
        after: PlanItem | None,
        config: RuleConfig,
    ) -> None:
        self.items = items
        self.before, self.after = before, after
        self.config = config
        self.low, self.high = explicit_ts(config)
        self.start, self.end = explicit(config)
        self.changed = [
            p
            for p in (before, after)
            if p is not None and inside(to_ts(p.scheduled_at), self.low, self.high)
        ]
        self.changed_ids = {p.id for p in (before, after) if p is not None}
        self.channels = frozenset(p.channel for p in (before, after) if p is not None)
        low, high = self.low, self.high
        ids = self.changed_ids
        # One pass: the changed channels' other posts, and every part of a keyed thread.
        channels = self.channels
        found = [item for item in items if item.channel in channels or item.thread is not None]
        if low is not None or high is not None:
            found = [item for item in found if inside(to_ts(item.scheduled_at), low, high)]
        own = [item for item in found if item.channel in channels and item.id not in ids]
        self.threaded: dict[tuple[str, str], list[PlanItem]] = {}
        for item in found:
            if item.thread is not None and item.id not in ids:
                self.threaded.setdefault((item.channel, item.thread), []).append(item)
        own.sort(key=_AT)
        self.own: dict[str, list[PlanItem]] = {name: [] for name in channels}
        for item in own:
            self.own[item.channel].append(item)
        self.own_ts = {
            name: [to_ts(i.scheduled_at) for i in posts] for name, posts in self.own.items()
        }
        self.guard = _guard(config)
        self.long_rules = [
            r for r in LONG_RULES if config.is_enabled(r) and _window_weeks(config, r) > 0
        ]
        weeks = max((_window_weeks(config, r) for r in self.long_rules), default=0)
        self.long_margin = _WEEK + self.guard
        # Enough for the rules that look back (duplicate-text, gaps) and for every 4-week
        # window holding the change to be read whole; more only when a finding needs it.
        self.wide_pad = max(
            max(timedelta(days=8), _limit(config, "duplicate-text", "warning_within")) + self.guard,
            weeks * _WEEK + timedelta(days=1),
        )
        self.burst_window = _limit(config, "burst", "window")
        self.narrow_pad = self.burst_window + timedelta(hours=1)
        self.whole_channels = False

    def spans(self, post: PlanItem | None) -> dict[str, tuple[int, int]]:
        """Each changed channel's first and last post in the whole plan with `post` in it."""
        spans: dict[str, tuple[int, int]] = {}
        for name in self.channels:
            stamps = list(self.own_ts[name][:1] + self.own_ts[name][-1:])
            if post is not None and post.channel == name and post in self.changed:
                stamps.append(to_ts(post.scheduled_at))
            if stamps:
                spans[name] = (min(stamps), max(stamps))
        return spans

    def stoppers(self) -> list[Interval]:
        """For each changed post's time, from the nearest post before it to the nearest post
        after it on its channel that would end a promotion streak through it (conservatively:
        anything that might continue one is passed over)."""
        intervals: list[Interval] = []
        for post in self.changed:
            posts, stamps = self.own[post.channel], self.own_ts[post.channel]
            at = to_ts(post.scheduled_at)
            index = bisect_left(stamps, at)
            first = index - 1
            while first >= 0 and _continues(posts, stamps, first):
                first -= 1
            last = index
            while last < len(posts) and _continues(posts, stamps, last):
                last += 1
            low_at = posts[max(first, 0)].scheduled_at if posts else post.scheduled_at
            high_at = posts[min(last, len(posts) - 1)].scheduled_at if posts else post.scheduled_at
            intervals.append(
                (min(low_at, post.scheduled_at), max(high_at, post.scheduled_at) + MICROSECOND)
            )
        return intervals

    def report(self) -> ChangeReport:
        zone = self.config.zone
        stoppers = self.stoppers()
        # A keyed thread's parts change their first post with the changed one: their weeks
        # are read as the changed post's are.
        keyed_mates = [
            mate
            for p in self.changed
            if p.thread is not None
            for mate in self.threaded.get((p.channel, p.thread), ())
        ]
        while True:
            moments = [p.scheduled_at.astimezone(UTC) for p in (*self.changed, *keyed_mates)]
            wide_parts = [(m - self.wide_pad, m + self.wide_pad) for m in moments] + stoppers
            if self.whole_channels:
                for posts in self.own.values():
                    if posts:
                        wide_parts.append(
                            (posts[0].scheduled_at, posts[-1].scheduled_at + MICROSECOND)
                        )
            wide = _merge(wide_parts)
            narrow = _merge([_week_around(m, zone, self.narrow_pad) for m in moments])
            hull = (min(wide[0][0], narrow[0][0]), max(wide[-1][1], narrow[-1][1]))
            whole = not _any_outside(self.items, self.changed_ids, hull, self.low, self.high)
            if whole:
                wide = narrow = [hull]
            around = _select(self.items, self.channels, wide, narrow, self.changed_ids)
            if self.low is not None or self.high is not None:
                around = [
                    it for it in around if inside(to_ts(it.scheduled_at), self.low, self.high)
                ]
            around = self._complete_threads(around)
            plans = [self._plan(around, post) for post in (self.before, self.after)]
            # Posts that share a thread with the changed post, before or after, may start or
            # stop being its first post: their own checks (quiet-hours) change too.
            focus = frozenset(self.changed_ids).union(*(_thread_mates(plan) for plan in plans))
            for plan in plans:
                plan.focus_ids = focus
            report = _diff(run(plans[0]), run(plans[1]))
            if whole:
                return report
            if not self._dense(plans, wide):
                self.whole_channels = True  # the whole plan of a quiet channel is judged
                continue
            if not self._cut_threads(around, wide, narrow) and all(
                self._safe(f, wide, narrow) for f in (*report.added, *report.cleared)
            ):
                return report
            self.wide_pad *= 4
            self.narrow_pad *= 4

    def _plan(self, around: list[PlanItem], post: PlanItem | None) -> Plan:
        posts = around
        if post is not None and post in self.changed:
            posts = [*around, post]
        return Plan(
            posts,
            self.config,
            range_start=self.start,
            range_end=self.end,
            focus_channels=self.channels,
            focus_ids=frozenset(self.changed_ids),
            channel_spans=self.spans(post),
        )

    def _complete_threads(self, around: list[PlanItem]) -> list[PlanItem]:
        """`around` with every part of each keyed thread it has a part of."""
        keys = {(it.channel, it.thread) for it in around if it.thread is not None}
        keys |= {(p.channel, p.thread) for p in self.changed if p.thread is not None}
        if not keys:
            return around
        have = {it.id for it in around}
        extra = [
            it
            for key in keys
            for it in self.threaded.get((key[0], key[1] or ""), ())
            if it.id not in have
        ]
        return [*around, *extra] if extra else around

    def _dense(self, plans: list[Plan], wide: list[Interval]) -> bool:
        """Whether each changed channel has a 4-week window inside what was read that holds
        enough units to be judged, before and after: then neither plan judges its whole plan,
        which needs every post of it."""
        if self.whole_channels or not self.long_rules:
            return True
        for name in self.channels:
            for rule_id in self.long_rules:
                limits = self.config.thresholds_for(rule_id)
                for plan in plans:
                    if not any(
                        channel_is_dense(plan, name, limits, (to_ts(a), to_ts(b))) for a, b in wide
                    ):
                        return False
        return True

    def _cut_threads(
        self, around: list[PlanItem], wide: list[Interval], narrow: list[Interval]
    ) -> bool:
        """Whether a post read lies within 2 minutes of the edge of what was read on its
        channel: a thread of posts 2 minutes apart might go on beyond it."""
        gap = THREAD_GAP
        for item in around:
            intervals = wide if item.channel in self.channels else narrow
            at = item.scheduled_at
            for low, high in intervals:
                if low <= at < high and (at - low < gap or high - at <= gap):
                    return True
        return False

    def _safe(self, finding: Finding, wide: list[Interval], narrow: list[Interval]) -> bool:
        """True when a differing finding lies well inside what was read."""
        if finding.channel is None or finding.channel not in self.channels:
            return _inside(finding, narrow, self.burst_window, None)
        margin = self.long_margin if finding.rule in LONG_RULES else self.guard
        stamps = list(self.own_ts[finding.channel])
        stamps += [to_ts(p.scheduled_at) for p in self.changed if p.channel == finding.channel]
        bounds = None
        if stamps:
            bounds = (_from_ts(min(stamps)), _from_ts(max(stamps)))
        if not _inside(finding, wide, margin, bounds):
            return False
        # Evidence at the edge of what was read may have been cut short.
        edges = _edge_ids(self.own[finding.channel], wide)
        return not edges.intersection(finding.post_ids)


def _from_ts(stamp: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + stamp * MICROSECOND


def _thread_mates(plan: Plan) -> set[PostId]:
    """The ids of the posts in the same thread as the changed post (the plan's focus)."""
    focus = plan.focus_ids or frozenset()
    items, head = plan.items, plan.head
    heads = {head[p] for p, item in enumerate(items) if item.id in focus}
    return {items[p].id for p, h in enumerate(head) if h in heads}


def _continues(posts: list[PlanItem], stamps: list[int], index: int) -> bool:
    """Whether a post might continue a promotion streak (or a thread) through it."""
    post = posts[index]
    if post.category is Category.PROMOTION or post.category is None:
        return True
    if post.thread is not None or post.is_reply:
        return True
    gap = THREAD_GAP // MICROSECOND
    near_before = index > 0 and stamps[index] - stamps[index - 1] <= gap
    near_after = index + 1 < len(stamps) and stamps[index + 1] - stamps[index] <= gap
    return near_before or near_after


def _inside(
    finding: Finding,
    intervals: list[Interval],
    margin: timedelta,
    bounds: tuple[datetime, datetime] | None,
) -> bool:
    """Whether the finding's window lies inside one interval, `margin` away from its edges
    unless that edge reaches beyond the channel's first or last post (`bounds`)."""
    start, end = finding.window_start, finding.window_end
    for low, high in intervals:
        if start < low or end > high:
            continue
        low_closed = bounds is not None and low <= bounds[0]
        high_closed = bounds is not None and high > bounds[1]
        if (low_closed or start >= low + margin) and (high_closed or end <= high - margin):
            return True
    return False


def _edge_ids(posts: list[PlanItem], wide: list[Interval]) -> set[PostId]:
    """The first and last of a channel's posts inside each interval read, where the channel
    has posts beyond it."""
    edges: set[PostId] = set()
    for low, high in wide:
        inside_ = [p for p in posts if low <= p.scheduled_at < high]
        if not inside_:
            continue
        if posts and posts[0].scheduled_at < low:
            edges.add(inside_[0].id)
        if posts and posts[-1].scheduled_at >= high:
            edges.add(inside_[-1].id)
    return edges


def _any_outside(
    items: Sequence[PlanItem],
    changed_ids: set[PostId],
    hull: Interval,
    low: int | None,
    high: int | None,
) -> bool:
    """Whether a post of the checked range other than the changed one lies outside `hull`."""
    first, last = hull
    # A plan loaded in time order (either way) has its ends at the ends: look there first.
    for item in (items[0], items[-1]) if items else ():
        at = item.scheduled_at
        if (
            item.id not in changed_ids
            and (at < first or at >= last)
            and inside(to_ts(at), low, high)
        ):
            return True
    return any(
        (it.scheduled_at < first or it.scheduled_at >= last)
        and it.id not in changed_ids
        and inside(to_ts(it.scheduled_at), low, high)
        for it in items
    )


def _limit(config: RuleConfig, rule_id: str, name: str) -> timedelta:
    value: timedelta = config.thresholds_for(rule_id)[name]
    return value


def _window_weeks(config: RuleConfig, rule_id: str) -> int:
    weeks: int = config.thresholds_for(rule_id)["window_weeks"]
    return weeks


def _guard(config: RuleConfig) -> timedelta:
    """How far a channel finding's evidence may reach beyond its window."""
    gaps = [c.min_gap for c in (*NETWORK_CAPS.values(), DEFAULT_NETWORK_CAPS)]
    gaps += [c.min_gap for c in config.channel_caps.values()]
    return max(
        _limit(config, "duplicate-text", "warning_within"),
        _limit(config, "burst", "window"),
        *gaps,
    ) + timedelta(days=1)


def _week_around(moment: datetime, zone: Any, pad: timedelta) -> Interval:
    local = moment.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    start = datetime.combine(monday, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone).astimezone(UTC)
    return start - pad, end + pad


def _merge(intervals: list[Interval]) -> list[Interval]:
    """Intervals in UTC (the fast comparison with posts stored in UTC), overlaps joined."""
    ordered = sorted(
        ((a.astimezone(UTC), b.astimezone(UTC)) for a, b in intervals), key=lambda i: i[0]
    )
    merged: list[Interval] = []
    for start, end in ordered:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _select(
    items: Sequence[PlanItem],
    channels: frozenset[str],
    wide: list[Interval],
    narrow: list[Interval],
    changed_ids: set[PostId],
) -> list[PlanItem]:
    """The posts of the changed channels in `wide` and of every channel in `narrow`, in one
    pass at C speed (the plan may hold tens of thousands of posts)."""
    low, high = min(wide[0][0], narrow[0][0]), max(wide[-1][1], narrow[-1][1])
    # Most posts fail the first comparison, against the hull of both.
    near = [item for item in items if low <= item.scheduled_at < high]
    if len(narrow) <= 2 and len(wide) <= 2:
        # The usual case, one or two intervals each, compared without a generator.
        (n1, n2), (n3, n4) = (narrow * 2)[:2]
        (w1, w2), (w3, w4) = (wide * 2)[:2]
        return [
            item
            for item in near
            if (
                (n1 <= (at := item.scheduled_at) < n2)
                or (n3 <= at < n4)
                or (item.channel in channels and ((w1 <= at < w2) or (w3 <= at < w4)))
            )
            and item.id not in changed_ids
        ]
    return [
        item
        for item in near
        if item.id not in changed_ids
        and (
            any(a <= item.scheduled_at < b for a, b in narrow)
            or (item.channel in channels and any(a <= item.scheduled_at < b for a, b in wide))
        )
    ]
