"""`check`: build the plan once, run every enabled rule on it, sort the findings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from rules.classifier import classify
from rules.config import RuleConfig
from rules.content import word_set, words
from rules.length import measure
from rules.model import Finding, PlanItem
from rules.plan import EPOCH, MICROSECOND, Plan, id_key, to_ts
from rules.registry import CATALOGUE


def clear_caches() -> None:
    """Forget what was learnt about texts (classifier suggestions, word lists). Only
    benchmarks and tests need this: the caches are bounded and never change a result."""
    classify.cache_clear()
    word_set.cache_clear()
    words.cache_clear()
    measure.cache_clear()


def check(items: Iterable[PlanItem], config: RuleConfig | None = None) -> list[Finding]:
    """Every finding of the enabled rules on these posts, in a stable order (by window, then
    rule, channel and posts): the same plan gives the same list whatever order it comes in."""
    config = config or RuleConfig()
    if not isinstance(items, list | tuple):
        items = tuple(items)
    stamps = tuple([(item.scheduled_at - EPOCH) // MICROSECOND for item in items])
    low, high = explicit_ts(config)
    if low is not None or high is not None:
        kept = [k for k, ts in enumerate(stamps) if inside(ts, low, high)]
        items, stamps = tuple([items[k] for k in kept]), tuple([stamps[k] for k in kept])
    if not items:
        return []
    start, end = explicit(config)
    return run(Plan(items, config, range_start=start, range_end=end, ts=stamps))


def run(plan: Plan) -> list[Finding]:
    """The findings of every enabled rule on a built plan, sorted by `finding_order`."""
    config = plan.config
    findings: list[Finding] = []
    for registered in CATALOGUE.values():
        if config.is_enabled(registered.id):
            findings.extend(registered.check(plan, config.thresholds_for(registered.id)))
    findings.sort(key=finding_order)
    return findings


def finding_order(finding: Finding) -> tuple[object, ...]:
    """Sort key of findings: window, rule, workspace before channels, channel, first post."""
    # Not a total order: findings equal on all of it keep the order the rules made them in,
    # which the plan fixes whatever order the posts came in.
    ids = finding.post_ids
    return (
        to_ts(finding.window_start),
        to_ts(finding.window_end),
        finding.rule,
        finding.channel is not None,
        finding.channel or "",
        id_key(ids[0]) if ids else (-1, 0, ""),
    )


def _local_midnight(day: date, config: RuleConfig) -> datetime:
    return datetime.combine(day, time(0), tzinfo=config.zone)


def explicit(config: RuleConfig) -> tuple[datetime | None, datetime | None]:
    """The range the config sets, as instants: a start date is its local midnight, an end
    date the midnight after it."""
    start, end = config.range_start, config.range_end
    if isinstance(start, date) and not isinstance(start, datetime):
        start = _local_midnight(start, config)
    if isinstance(end, date) and not isinstance(end, datetime):
        end = _local_midnight(end + timedelta(days=1), config)
    return start, end


def explicit_ts(config: RuleConfig) -> tuple[int | None, int | None]:
    """`explicit` in microseconds since the epoch."""
    start, end = explicit(config)
    return (to_ts(start) if start else None), (to_ts(end) if end else None)


def inside(ts: int, low: int | None, high: int | None) -> bool:
    """Whether an instant lies in [low, high); a None bound is open."""
    return (low is None or ts >= low) and (high is None or ts < high)
