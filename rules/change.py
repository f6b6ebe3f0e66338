"""`check_change`: what one edit in the composer adds and clears, reading only the posts
around it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from operator import attrgetter
from typing import Any

from rules.config import RuleConfig
from rules.engine import check, explicit, explicit_ts, finding_order, inside, run
from rules.model import DEFAULT_NETWORK_CAPS, NETWORK_CAPS, Finding, PlanItem, PostId
from rules.plan import MICROSECOND, Plan, to_ts

_AT = attrgetter("scheduled_at")


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
    the windows the post leaves and enters are checked.

    Fast unless the change moves the plan's first or last post (when the config sets no
    range): then the checked range moves, with every channel's quiet-channel edges, and both
    plans are checked whole.
    """
    config = config or RuleConfig()
    if before == after:
        return ChangeReport((), ())
    changed = [p for p in (before, after) if p is not None]
    changed_ids = {p.id for p in changed}
    if not isinstance(items, list | tuple):
        items = list(items)
    low, high = explicit_ts(config)
    if not any(inside(to_ts(p.scheduled_at), low, high) for p in changed):
        return ChangeReport((), ())  # the post stays outside the checked range
    edges = _range_edges(items, changed_ids, before, after, config)
    if edges is None:
        others = [it for it in items if it.id not in changed_ids]
        old = check([*others, before] if before else others, config)
        new = check([*others, after] if after else others, config)
        return _diff(old, new)
    return _local_change(items, changed, changed_ids, before, after, config, edges)


def _diff(old: list[Finding], new: list[Finding]) -> ChangeReport:
    before, after = Counter(old), Counter(new)
    added = sorted((after - before).elements(), key=finding_order)
    cleared = sorted((before - after).elements(), key=finding_order)
    return ChangeReport(tuple(added), tuple(cleared))


# A range edge is None when it is not worth knowing: it lies beyond some other post, so the
# change cannot move it, and findings that rest on it lie beyond what `_local_change` reads.
Edges = tuple[datetime | None, datetime | None]


def _range_edges(
    items: Sequence[PlanItem],
    changed_ids: set[PostId],
    before: PlanItem | None,
    after: PlanItem | None,
    config: RuleConfig,
) -> Edges | None:
    """The checked range around the change, the same before and after it; None when the
    change moves the range (the post was or becomes the plan's first or last)."""
    start, end = explicit(config)
    low, high = explicit_ts(config)
    moments = [
        p.scheduled_at
        for p in (before, after)
        if p is not None and inside(to_ts(p.scheduled_at), low, high)
    ]
    first, last = min(moments, key=to_ts), max(moments, key=to_ts)
    if start is None and not _any_before(items, changed_ids, first):
        return None
    if end is None and not _any_after(items, changed_ids, last, strictly=True):
        return None
    return start, end


def _any_before(items: Sequence[PlanItem], changed_ids: set[PostId], bound: datetime) -> bool:
    """Whether a post other than the changed one lies before `bound`."""
    # A plan loaded in time order (either way) has its first post at one end: look there first.
    for item in (items[0], items[-1]) if items else ():
        if item.id not in changed_ids and item.scheduled_at < bound:
            return True
    return any(it.scheduled_at < bound for it in items if it.id not in changed_ids)


def _any_after(
    items: Sequence[PlanItem], changed_ids: set[PostId], bound: datetime, *, strictly: bool
) -> bool:
    """Whether a post other than the changed one lies after `bound` (or at it)."""
    for item in (items[0], items[-1]) if items else ():
        if item.id not in changed_ids and (
            item.scheduled_at > bound or (not strictly and item.scheduled_at == bound)
        ):
            return True
    if strictly:
        return any(it.scheduled_at > bound for it in items if it.id not in changed_ids)
    return any(it.scheduled_at >= bound for it in items if it.id not in changed_ids)


def _local_change(
    items: Sequence[PlanItem],
    changed: list[PlanItem],
    changed_ids: set[PostId],
    before: PlanItem | None,
    after: PlanItem | None,
    config: RuleConfig,
    edges: Edges,
) -> ChangeReport:
    """Check the posts around the change, before and after, and diff.

    Read: the changed channels' posts within `wide` of the old and new times, and every
    channel's posts in the weeks the post leaves and enters (`narrow`). Findings far from the
    change come out the same on both sides and cancel; a differing finding that touches the
    edge of what was read may have been cut short, so the reading grows until none does.
    """
    zone = config.zone
    channels = frozenset(p.channel for p in changed)
    ids = frozenset(changed_ids)
    low, high = explicit_ts(config)
    guard = _guard(config)
    burst_window = _limit(config, "burst", "window")
    wide_pad = guard + max(timedelta(days=8), _limit(config, "duplicate-text", "warning_within"))
    narrow_pad = burst_window + timedelta(hours=1)
    start, end = edges
    while True:
        moments = [p.scheduled_at.astimezone(UTC) for p in changed]
        wide = _merge([(m - wide_pad, m + wide_pad) for m in moments])
        narrow = _merge([_week_around(m, zone, narrow_pad) for m in moments])
        hull = (min(wide[0][0], narrow[0][0]), max(wide[-1][1], narrow[-1][1]))
        if start is None:
            start = _first_post(items, changed_ids, hull[0], high)
        if end is None:
            end = _last_post(items, changed_ids, hull[1], low)
        whole = (
            start is not None
            and end is not None
            and hull[0] <= start.astimezone(UTC)
            and end.astimezone(UTC) < hull[1]
        )
        if whole:
            wide = narrow = [hull]
        around = _select(items, channels, wide, narrow, changed_ids)
        stamps = [to_ts(item.scheduled_at) for item in around]
        if low is not None or high is not None:
            kept = [k for k, ts in enumerate(stamps) if inside(ts, low, high)]
            around, stamps = [around[k] for k in kept], [stamps[k] for k in kept]
        # An edge nobody needs to know is read as the edge of what was read: the same on both
        # sides, so what rests on it cancels out.
        range_start = start if start is not None else hull[0]
        range_end = end if end is not None else hull[1]
        plans = []
        for post in (before, after):
            posts, post_stamps = around, stamps
            if post is not None and inside(to_ts(post.scheduled_at), low, high):
                posts, post_stamps = [*around, post], [*stamps, to_ts(post.scheduled_at)]
            plans.append(
                Plan(
                    posts,
                    config,
                    range_start=range_start,
                    range_end=range_end,
                    focus_channels=channels,
                    focus_ids=ids,
                    ts=post_stamps,
                )
            )
        report = _diff(run(plans[0]), run(plans[1]))
        if whole:
            return report
        edges_now = (start, end)
        post_edges = _edge_ids(plans[0], wide, edges_now) | _edge_ids(plans[1], wide, edges_now)
        findings = (*report.added, *report.cleared)
        if all(
            _safe(f, wide, narrow, edges_now, guard, burst_window, post_edges) for f in findings
        ):
            return report
        wide_pad *= 4
        narrow_pad *= 4


def _first_post(
    items: Sequence[PlanItem], changed_ids: set[PostId], bound: datetime, high: int | None
) -> datetime | None:
    """When no other post lies before `bound`: the time of the plan's first post (before an
    explicit end `high`); None while some post lies before it."""
    if _any_before(items, changed_ids, bound):
        return None
    first = min(items, key=_AT)
    if first.id in changed_ids or (high is not None and to_ts(first.scheduled_at) >= high):
        others = [
            it.scheduled_at
            for it in items
            if it.id not in changed_ids and (high is None or to_ts(it.scheduled_at) < high)
        ]
        return min(others, key=to_ts, default=bound)
    return first.scheduled_at


def _last_post(
    items: Sequence[PlanItem], changed_ids: set[PostId], bound: datetime, low: int | None
) -> datetime | None:
    """When no other post lies after `bound`: the time of the plan's last post (after an
    explicit start `low`); None while some post lies after it."""
    if _any_after(items, changed_ids, bound, strictly=False):
        return None
    last = max(items, key=_AT)
    if last.id in changed_ids or (low is not None and to_ts(last.scheduled_at) < low):
        others = [
            it.scheduled_at
            for it in items
            if it.id not in changed_ids and (low is None or to_ts(it.scheduled_at) >= low)
        ]
        return max(others, key=to_ts, default=bound)
    return last.scheduled_at


def _limit(config: RuleConfig, rule_id: str, name: str) -> timedelta:
    value: timedelta = config.thresholds_for(rule_id)[name]
    return value


def _guard(config: RuleConfig) -> timedelta:
    """How far a channel finding's evidence may reach beyond its window."""
    gaps = [c.min_gap for c in (*NETWORK_CAPS.values(), DEFAULT_NETWORK_CAPS)]
    gaps += [c.min_gap for c in config.channel_caps.values()]
    return max(
        _limit(config, "duplicate-text", "warning_within"),
        _limit(config, "burst", "window"),
        *gaps,
    ) + timedelta(days=1)


def _week_around(moment: datetime, zone: Any, pad: timedelta) -> tuple[datetime, datetime]:
    local = moment.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    start = datetime.combine(monday, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone).astimezone(UTC)
    return start - pad, end + pad


def _merge(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Intervals in UTC (the fast comparison with posts stored in UTC), overlaps joined."""
    ordered = sorted(
        ((a.astimezone(UTC), b.astimezone(UTC)) for a, b in intervals), key=lambda i: i[0]
    )
    merged: list[tuple[datetime, datetime]] = []
    for start, end in ordered:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _select(
    items: Sequence[PlanItem],
    channels: frozenset[str],
    wide: list[tuple[datetime, datetime]],
    narrow: list[tuple[datetime, datetime]],
    changed_ids: set[PostId],
) -> list[PlanItem]:
    """The posts of the changed channels in `wide` and of every channel in `narrow`, in one
    pass at C speed (the plan may hold tens of thousands of posts)."""
    (w1, w2), (w3, w4) = (wide * 2)[:2]
    (n1, n2), (n3, n4) = (narrow * 2)[:2]
    low, high = min(w1, n1), max(w4, n4)
    # Most posts fail the first comparison, against the hull of both intervals.
    around = [
        item
        for item in items
        if low <= (at := item.scheduled_at) < high
        and (
            (n1 <= at < n2)
            or (n3 <= at < n4)
            or (item.channel in channels and ((w1 <= at < w2) or (w3 <= at < w4)))
        )
    ]
    return [item for item in around if item.id not in changed_ids]


def _edge_ids(plan: Plan, wide: list[tuple[datetime, datetime]], edges: Edges) -> set[PostId]:
    """The first and last posts of each changed channel inside each interval that was read,
    where posts may exist beyond it: findings that rest on them may be cut short."""
    start, end = edges
    edge_posts: set[PostId] = set()
    for _, posts in plan.channel_timelines():
        for low_at, high_at in wide:
            a, b = to_ts(low_at), to_ts(high_at)
            inside = [p for p in posts if a <= plan.ts[p] < b]
            if not inside:
                continue
            if start is None or a > to_ts(start):
                edge_posts.add(plan.items[inside[0]].id)
            if end is None or b <= to_ts(end):
                edge_posts.add(plan.items[inside[-1]].id)
    return edge_posts


def _safe(
    finding: Finding,
    wide: list[tuple[datetime, datetime]],
    narrow: list[tuple[datetime, datetime]],
    edges: Edges,
    guard: timedelta,
    burst_window: timedelta,
    edge_posts: set[PostId],
) -> bool:
    """True when a differing finding lies well inside what was read."""
    if finding.channel is None:
        intervals, margin = narrow, burst_window
    else:
        if edge_posts.intersection(finding.post_ids):
            return False
        intervals, margin = wide, guard
    start, end = to_ts(finding.window_start), to_ts(finding.window_end)
    first = to_ts(edges[0]) if edges[0] is not None else None
    last = to_ts(edges[1]) if edges[1] is not None else None
    reach = margin // MICROSECOND
    for low_at, high_at in intervals:
        low, high = to_ts(low_at), to_ts(high_at)
        if start < low or end > high:
            continue
        low_closed = first is not None and low <= first
        high_closed = last is not None and high > last
        if (low_closed or start >= low + reach) and (high_closed or end <= high - reach):
            return True
    return False
