"""Best next slot: the next times where a new post adds no finding.

    slots = find_slots(items, config, channels=[("news-x", "x")], category=Category.ENGAGEMENT,
                       after=now)

The answer comes from the rules engine itself: every slot proposed has been checked with
`check_change` (what adding the post on each chosen channel, as one group, does to the
findings), so the rules never flag a slot the finder proposed. What counts as a new finding:
one of the cadence, mix or coverage rules (content rules judge the text, not the time) that
was not there before, that is an added finding with no cleared finding of the same rule,
channel and window at least as severe. A post that lowers an existing share but leaves the week
still above its threshold adds nothing new; a post that makes a week worse does.

Speed: `check_change` reads only the posts around a change, but still costs milliseconds on a
big plan, so candidates are pruned first with exact or conservative tests that need no check
(a conservative test may pass over a slot the rules would accept, never the other way round):

- quiet hours and staffed hours: the candidate's own local time (exact);
- too-close: the nearest post on the channel within the minimum gap, or within the 2 minutes
  that would make a thread of them (exact for too-close, conservative for threads);
- audience-overload: posts already on the channel that local day (conservative: threads and
  replies are counted as posts);
- burst: posts of any channel within the burst window either side (conservative);
- mix: the week's mix does not depend on the time inside the week, so once a candidate is
  refused for a mix finding of its week, the rest of that week on those channels is passed
  over.

`bench/slots.py` measures it on a workspace of 5,000 planned posts.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from rules.change import check_change
from rules.config import RuleConfig
from rules.model import Category, Finding, NetworkCaps, PlanItem, RuleFamily
from rules.plan import THREAD_GAP, to_ts
from rules.registry import CATALOGUE

# The families a slot is judged by: when it goes out (cadence, coverage) and what the week
# becomes (mix). Content rules judge the text wherever it is planned.
SLOT_FAMILIES = frozenset({RuleFamily.CADENCE, RuleFamily.MIX, RuleFamily.COVERAGE})
# Mix rules whose findings are about a window the time inside a week does not change.
_WEEK_RULES = frozenset(
    {"brand-monologue", "no-conversation", "promotion-pressure", "mix-shortfall"}
)
NEW_POST_ID = "new-post"
# How far beyond the horizon other channels' posts are read: the weeks a candidate's week and
# bursts touch, with room to spare.
_MARGIN = timedelta(days=15)


@dataclass(frozen=True, slots=True)
class SlotSearch:
    """What one search looked at: the candidates stepped over, how many the engine checked,
    and the slots found (aware datetimes in the workspace timezone)."""

    slots: tuple[datetime, ...]
    candidates: int
    checked: int


def _new_findings(added: Sequence[Finding], cleared: Sequence[Finding]) -> list[Finding]:
    """The added findings (cadence, mix, coverage) that are new problems: those that no
    cleared finding of the same rule and channel, at least as severe, whose window holds the
    added one's stands for. A changed measure of a problem already there (a share from 4/6 to
    4/7) is not new, nor what is left of a gap a post splits; a longer streak or a worse
    severity is."""
    new = []
    for finding in added:
        if CATALOGUE[finding.rule].family not in SLOT_FAMILIES:
            continue
        if any(
            old.rule == finding.rule
            and old.channel == finding.channel
            and old.severity >= finding.severity
            and old.window_start <= finding.window_start
            and finding.window_end <= old.window_end
            for old in cleared
        ):
            continue
        new.append(finding)
    return new


def new_findings(
    items: Sequence[PlanItem], added_posts: Sequence[PlanItem], config: RuleConfig
) -> list[Finding]:
    """The new findings (cadence, mix, coverage) that adding `added_posts` to the plan
    makes, each post checked against the plan with the ones before it."""
    plan = list(items)
    found: list[Finding] = []
    for post in added_posts:
        report = check_change(plan, None, post, config)
        found.extend(_new_findings(report.added, report.cleared))
        plan.append(post)
    return found


def _slot_config(config: RuleConfig) -> RuleConfig:
    """The config with the rules a slot is not judged by switched off (they cost time)."""
    off = {r.id for r in CATALOGUE.values() if r.family not in SLOT_FAMILIES}
    return replace(config, disabled=frozenset(config.disabled | off))


def _first_candidate(after: datetime, step: timedelta, config: RuleConfig) -> datetime:
    """The first local time strictly after `after` on a multiple of `step` since its local
    midnight."""
    local = after.astimezone(config.zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    elapsed = local.replace(tzinfo=None) - midnight.replace(tzinfo=None)
    steps = elapsed // step + 1
    return (midnight.replace(tzinfo=None) + steps * step).replace(tzinfo=config.zone)


def find_slots(
    items: Sequence[PlanItem],
    config: RuleConfig,
    *,
    channels: Sequence[tuple[str, str]],
    category: Category | None,
    after: datetime,
    count: int = 3,
    step: timedelta = timedelta(minutes=30),
    horizon: timedelta = timedelta(days=14),
    spacing: timedelta = timedelta(hours=2),
    text: str = "",
) -> SlotSearch:
    """The first `count` times after `after` (stepping by `step`, within `horizon`, at least
    `spacing` apart) at which a post of `category` on every channel of `channels` ((name,
    network) pairs, one group) adds no new cadence, mix or coverage finding."""
    if after.utcoffset() is None:
        raise ValueError("after must be an aware datetime")
    if not channels or count <= 0:
        return SlotSearch((), 0, 0)
    zone = config.zone
    judged = _slot_config(config)
    names = {name for name, _ in channels}
    start = _first_candidate(after, step, config).astimezone(UTC)
    end = start + horizon
    # Each chosen channel's broadcast posts, in time order, and the workspace's around the
    # horizon (one pass over the plan). Only these posts can change what adding a post in the
    # horizon does: the chosen channels' whole plans (long windows, gaps, streaks) and the
    # other channels' posts of the weeks around it (workspace weeks, bursts); the engine is
    # given only those, which keeps `check_change` from reading far on other channels.
    burst = judged.thresholds_for("burst") if judged.is_enabled("burst") else None
    burst_window: timedelta = burst["window"] if burst else timedelta(0)
    near_low = start - _MARGIN
    near_high = end + _MARGIN
    own: dict[str, list[int]] = {name: [] for name in names}
    kinds: dict[str, list[tuple[int, Category | None]]] = {name: [] for name in names}
    days: dict[str, dict[int, int]] = {name: {} for name in names}
    everyone: list[int] = []
    relevant: list[PlanItem] = []
    for item in items:
        at_ = item.scheduled_at
        mine = item.channel in names
        near = near_low <= at_ < near_high
        if not (mine or near):
            continue
        relevant.append(item)
        if mine and not item.is_reply:
            kinds[item.channel].append((to_ts(at_), item.category))
        if not near or item.is_reply:
            if mine and not item.is_reply:
                own[item.channel].append(to_ts(at_))
            continue
        ts = to_ts(at_)
        everyone.append(ts)
        if mine:
            own[item.channel].append(ts)
            day = at_.astimezone(zone).toordinal()
            per_day = days[item.channel]
            per_day[day] = per_day.get(day, 0) + 1
    for stamps in own.values():
        stamps.sort()
    for posts in kinds.values():
        posts.sort(key=lambda pair: pair[0])
    kind_ts = {name: [ts for ts, _ in posts] for name, posts in kinds.items()}
    streaks = category is Category.PROMOTION and judged.is_enabled("promotion-streak")
    everyone.sort()
    gaps = {name: judged.caps_for(name, network) for name, network in channels}
    quiet = judged.thresholds_for("quiet-hours") if judged.is_enabled("quiet-hours") else None
    coverage = (
        judged.thresholds_for("unstaffed-replies")
        if judged.is_enabled("unstaffed-replies")
        else None
    )
    asks = (
        coverage is not None
        and category is not None
        and category.value in coverage["categories"]
        and coverage["min_staffed"] > timedelta(0)
    )
    found: list[datetime] = []
    refused_weeks: set[int] = set()
    candidates = checked = 0
    moment = start
    while moment < end and len(found) < count:
        at = moment
        moment += step
        candidates += 1
        if found and at - found[-1] < spacing:
            continue
        local = at.astimezone(zone)
        day = local.toordinal()
        monday = day - local.weekday()
        if monday in refused_weeks:
            continue
        if quiet is not None:
            clock = local.time()
            start_q, end_q = quiet["start"], quiet["end"]
            inside_quiet = (
                (clock >= start_q or clock < end_q)
                if start_q > end_q
                else (start_q <= clock < end_q)
            )
            if inside_quiet:
                continue
        if asks and any(
            judged.staffed_for(name).staffed_rest_of_day(local, zone) < coverage["min_staffed"]
            for name in names
        ):
            continue
        ts = to_ts(at)
        if _crowded(ts, own, gaps, days, day):
            continue
        if streaks and any(_next_to_promotion(kinds[name], kind_ts[name], ts) for name in names):
            continue
        if burst is not None:
            span = burst_window // timedelta(microseconds=1)
            near = bisect_left(everyone, ts + span) - bisect_right(everyone, ts - span)
            if near + len(names) > burst["above"]:
                continue
        posts = [
            PlanItem(
                NEW_POST_ID if k == 0 else f"{NEW_POST_ID}-{k}",
                name,
                network,
                local,
                category,
                text,
                group=NEW_POST_ID,
            )
            for k, (name, network) in enumerate(channels)
        ]
        checked += 1
        new = new_findings(relevant, posts, judged)
        if not new:
            found.append(local)
        elif all(f.rule in _WEEK_RULES for f in new):
            refused_weeks.add(monday)
    return SlotSearch(tuple(found), candidates, checked)


def _crowded(
    ts: int,
    own: dict[str, list[int]],
    gaps: dict[str, NetworkCaps],
    days: dict[str, dict[int, int]],
    day: int,
) -> bool:
    """Whether a post at `ts` would be too close to another on a chosen channel (or a thread
    part of it), or too many for the day."""
    thread_gap = THREAD_GAP // timedelta(microseconds=1)
    for name, stamps in own.items():
        caps = gaps[name]
        limit = max(caps.min_gap // timedelta(microseconds=1), thread_gap + 1)
        index = bisect_left(stamps, ts)
        if index < len(stamps) and stamps[index] - ts < limit:
            return True
        if index > 0 and ts - stamps[index - 1] < limit:
            return True
        if days[name].get(day, 0) + 1 > caps.warning_above:
            return True
    return False


def _next_to_promotion(
    posts: list[tuple[int, Category | None]], stamps: list[int], ts: int
) -> bool:
    """Whether the nearest categorised post on either side of `ts` is a promotion: another
    promotion there makes a streak (uncategorised posts between are passed over, since the
    rule judges the run without them)."""
    index = bisect_left(stamps, ts)
    for step, start in ((-1, index - 1), (1, index)):
        k = start
        while 0 <= k < len(posts) and posts[k][1] is None:
            k += step
        if 0 <= k < len(posts) and posts[k][1] is Category.PROMOTION:
            return True
    return False
