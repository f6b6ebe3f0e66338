"""The balance of some posts, counted the way the mix rules count: a reply is care, a thread
is one post, a group planned for several channels is one post of the workspace, and a post
without a category is counted as uncategorised rather than guessed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rules.config import RuleConfig
from rules.model import Category, PlanItem
from rules.plan import Plan


@dataclass(frozen=True)
class UnitMix:
    """The units of one channel (or, channel None, of the whole workspace) by category."""

    channel: str | None
    counts: Counter[Category]
    uncategorised: int

    @property
    def total(self) -> int:
        return sum(self.counts.values()) + self.uncategorised


def balance(items: Sequence[PlanItem], config: RuleConfig | None = None) -> list[UnitMix]:
    """The workspace's mix, then each channel's (by name), of `items`."""
    if not items:
        return []
    plan = Plan(items, config or RuleConfig())
    category = plan.unit_category

    def mix(channel: str | None, units: Sequence[int]) -> UnitMix:
        found = [category[p] for p in units]
        return UnitMix(
            channel, Counter(c for c in found if c is not None), sum(c is None for c in found)
        )

    mixes = [mix(None, plan.workspace_units_of(plan.timeline))]
    mixes += [mix(name, units) for name, units in plan.channel_units.items()]
    return mixes
