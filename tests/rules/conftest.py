"""Helpers for the rules tests: posts written the way a plan reads ("Mon 09:00"), and a way to
run one rule alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rules import Category, Finding, PlanItem, RuleConfig, check
from rules.registry import CATALOGUE

UTC = ZoneInfo("UTC")


def at(when: str, zone: str = "UTC") -> datetime:
    """An aware datetime from "2025-03-03 09:00" read in `zone`."""
    return datetime.fromisoformat(when).replace(tzinfo=ZoneInfo(zone))


def post(
    id: int,
    when: str | datetime,
    category: Category | None = Category.EDUCATIONAL,
    *,
    channel: str = "shop-fb",
    network: str = "facebook",
    text: str | None = None,
    zone: str = "UTC",
    reply_to: str | None = None,
    thread: str | None = None,
    group: str | None = None,
) -> PlanItem:
    """A post; a unique text unless one is given."""
    scheduled_at = at(when, zone) if isinstance(when, str) else when
    return PlanItem(
        id=id,
        channel=channel,
        network=network,
        scheduled_at=scheduled_at,
        category=category,
        text=text if text is not None else f"Post {id} of the plan, on topic number {id * 7}.",
        reply_to=reply_to,
        thread=thread,
        group=group,
    )


def week_of(
    categories: list[Category],
    *,
    start: str = "2025-03-03 09:00",
    channel: str = "shop-fb",
    network: str = "facebook",
    first_id: int = 1,
    every: timedelta = timedelta(hours=12),
) -> list[PlanItem]:
    """Posts of the given categories, one every `every` from `start` (a Monday)."""
    begin = at(start)
    return [
        post(first_id + n, begin + n * every, c, channel=channel, network=network)
        for n, c in enumerate(categories)
    ]


def only(rule_id: str, items: list[PlanItem], config: RuleConfig | None = None) -> list[Finding]:
    """The findings of one rule, with every other rule switched off."""
    config = config or RuleConfig()
    others = frozenset(CATALOGUE) - {rule_id}
    alone = replace(config, disabled=others | config.disabled)
    findings = check(items, alone)
    assert {f.rule for f in findings} <= {rule_id}
    return findings


def brief(finding: Finding) -> tuple[object, ...]:
    """What a finding says, without its wording."""
    return (
        finding.severity.value,
        finding.channel,
        finding.window_start,
        finding.window_end,
        finding.post_ids,
        finding.measured,
        finding.threshold,
    )
