"""mix-shortfall: a category or family below its preset's minimum share of a week."""

from fractions import Fraction

import pytest

from rules import Category, ConfigError, RuleConfig

from .conftest import at, brief, only, week_of

B, P, E, C, G, M = (
    Category.BRAND,
    Category.PROMOTION,
    Category.EDUCATIONAL,
    Category.CURATED,
    Category.ENGAGEMENT,
    Category.COMMUNITY,
)
WEEK = (at("2025-03-03 00:00"), at("2025-03-10 00:00"))


def test_the_balanced_preset_sets_no_floors() -> None:
    assert only("mix-shortfall", week_of([B, B, B, B, B, B])) == []


def test_with_4_1_1_one_curated_post_in_six_warns() -> None:
    findings = only("mix-shortfall", week_of([C, B, E, E, G, M]), RuleConfig(preset="4-1-1"))

    # Once: the workspace has one channel (issue 13).
    assert [brief(f) for f in findings] == [
        ("warning", "shop-fb", *WEEK, (2, 3, 4, 5, 6), Fraction(1, 6), Fraction(1, 2)),
    ]
    assert findings[0].message == (
        "curated posts are 1 of 6 (17%) on shop-fb in 2025-W10, below 1/2 (50%)"
    )


def test_with_4_1_1_half_curated_is_enough() -> None:
    assert only("mix-shortfall", week_of([C, C, E, B]), RuleConfig(preset="4-1-1")) == []


def test_with_5_3_2_engagement_and_community_count_together() -> None:
    config = RuleConfig(preset="5-3-2")

    short = only("mix-shortfall", week_of([C, C, E, B, B]), config)
    enough = only("mix-shortfall", week_of([C, C, E, G, M]), config)

    assert [brief(f) for f in short] == [
        ("warning", "shop-fb", *WEEK, (1, 2, 3, 4, 5), Fraction(0), Fraction(1, 5)),
    ]
    assert short[0].message.startswith("engagement + community posts are 0 of 5 (0%) on shop-fb")
    assert enough == []


def test_with_5_3_2_one_curated_post_in_five_warns() -> None:
    findings = only("mix-shortfall", week_of([C, E, E, B, G]), RuleConfig(preset="5-3-2"))

    assert [(f.measured, f.threshold, f.post_ids) for f in findings] == [
        (Fraction(1, 5), Fraction(2, 5), (2, 3, 4, 5)),
    ]


def test_with_the_rule_of_thirds_a_family_below_a_quarter_warns() -> None:
    findings = only("mix-shortfall", week_of([B, B, E, C]), RuleConfig(preset="rule-of-thirds"))

    assert [(f.channel, f.measured, f.threshold, f.post_ids) for f in findings] == [
        ("shop-fb", Fraction(0), Fraction(1, 4), (1, 2, 3, 4)),
    ]
    assert findings[0].message.startswith("conversation (care + community + engagement) posts")


def test_floors_can_be_set_per_workspace_as_strings() -> None:
    config = RuleConfig(thresholds={"mix-shortfall": {"floors": {"Care": "1/4"}}})

    findings = only("mix-shortfall", week_of([B, E, C, G]), config)

    assert [(f.measured, f.threshold) for f in findings] == [(Fraction(0), Fraction(1, 4))]


def test_a_floor_for_something_that_is_not_a_category_is_refused() -> None:
    with pytest.raises(ConfigError, match="not a category or family"):
        RuleConfig(thresholds={"mix-shortfall": {"floors": {"memes": "1/4"}}})
