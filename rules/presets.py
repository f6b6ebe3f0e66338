"""Presets: named sets of mix thresholds from the field's rules of thumb.

A preset only changes mix thresholds; cadence and content rules keep their defaults. The
workspace's own overrides apply on top of its preset (see `RuleConfig`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any


@dataclass(frozen=True)
class Preset:
    """A named set of threshold overrides, `{rule id: {threshold: value}}`."""

    name: str
    title: str
    description: str
    source: str
    thresholds: Mapping[str, Mapping[str, Any]]


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            name="balanced",
            title="Balanced",
            description=(
                "Self posts warn above 1/2 and fail above 2/3 of a week; promotions warn "
                "above 1/5 and fail above 1/3; every week needs a conversation post."
            ),
            source=(
                "Sprout Social Index 2016: 46 % of people unfollow brands for too many "
                "promotions; the 80/20 rule"
            ),
            thresholds={},
        ),
        Preset(
            name="rule-of-thirds",
            title="Rule of thirds",
            description=(
                "A third each of self, value and conversation: self posts warn above 2/5; "
                "value and conversation each warn below 1/4."
            ),
            source="Hootsuite's rule of thirds",
            thresholds={
                "brand-monologue": {"warning_above": Fraction(2, 5)},
                "mix-shortfall": {
                    "floors": {"value": Fraction(1, 4), "conversation": Fraction(1, 4)}
                },
            },
        ),
        Preset(
            name="80-20",
            title="80/20",
            description="At most a fifth promotion: warn above 1/5, fail above 3/10.",
            source="The 80/20 rule of social media marketing",
            thresholds={
                "promotion-pressure": {
                    "warning_above": Fraction(1, 5),
                    "error_above": Fraction(3, 10),
                },
            },
        ),
        Preset(
            name="4-1-1",
            title="4-1-1",
            description=(
                "Four curated, one own, one promotion: promotions warn above 1/6; curated "
                "posts warn below 1/2."
            ),
            source="Tippingpoint Labs' 4-1-1 rule (2009)",
            thresholds={
                "promotion-pressure": {"warning_above": Fraction(1, 6)},
                "mix-shortfall": {"floors": {"curated": Fraction(1, 2)}},
            },
        ),
        Preset(
            name="5-3-2",
            title="5-3-2",
            description=(
                "Five curated, three own, two personal: curated posts warn below 2/5; "
                "engagement and community together warn below 1/5."
            ),
            source="TA McCann's 5-3-2 rule",
            thresholds={
                "mix-shortfall": {
                    "floors": {
                        "curated": Fraction(2, 5),
                        "engagement+community": Fraction(1, 5),
                    }
                },
            },
        ),
        Preset(
            name="strict",
            title="Strict",
            description="Promotions warn above 1/10 and fail above 1/5.",
            source="For audiences that punish selling: Sprout Social Index 2016",
            thresholds={
                "promotion-pressure": {
                    "warning_above": Fraction(1, 10),
                    "error_above": Fraction(1, 5),
                },
            },
        ),
    )
}
