"""Presets: each changes the mix thresholds as docs/design.md says, and only those."""

from fractions import Fraction

import pytest

from rules import PRESETS, Category, ConfigError, RuleConfig, check

from .conftest import week_of

B, P, E, C, G, M = (
    Category.BRAND,
    Category.PROMOTION,
    Category.EDUCATIONAL,
    Category.CURATED,
    Category.ENGAGEMENT,
    Category.COMMUNITY,
)


def channel_findings(preset: str, categories: list[Category]) -> list[tuple[object, ...]]:
    """(rule, severity, measured, threshold) of the channel-week findings of the mix rules."""
    findings = check(week_of(categories), RuleConfig(preset=preset))
    return [
        (f.rule, f.severity.value, f.measured, f.threshold)
        for f in findings
        if f.channel is not None
        and f.rule in {"brand-monologue", "promotion-pressure", "mix-shortfall"}
    ]


def test_the_presets_are_the_six_of_the_design() -> None:
    assert list(PRESETS) == ["balanced", "rule-of-thirds", "80-20", "4-1-1", "5-3-2", "strict"]


def test_balanced_lets_half_self_posts_pass() -> None:
    assert channel_findings("balanced", [B, B, B, E, G, M]) == []


def test_rule_of_thirds_warns_above_two_fifths_self_and_below_a_quarter_of_value() -> None:
    assert channel_findings("rule-of-thirds", [B, B, B, E, G, M]) == [
        ("brand-monologue", "warning", Fraction(1, 2), Fraction(2, 5)),
        ("mix-shortfall", "warning", Fraction(1, 6), Fraction(1, 4)),
    ]


def test_rule_of_thirds_keeps_failing_above_two_thirds() -> None:
    assert channel_findings("rule-of-thirds", [B, B, B, B, B, G]) == [
        ("brand-monologue", "error", Fraction(5, 6), Fraction(2, 3)),
        ("mix-shortfall", "warning", Fraction(1, 6), Fraction(1, 4)),
        ("mix-shortfall", "warning", Fraction(0), Fraction(1, 4)),
    ]


def test_80_20_fails_a_third_of_promotions_that_balanced_only_warns_about() -> None:
    week = [P, E, C, P, G, M, P, E, C, P, G, M]  # 4 of 12

    assert channel_findings("balanced", week) == [
        ("promotion-pressure", "warning", Fraction(1, 3), Fraction(1, 5)),
    ]
    assert channel_findings("80-20", week) == [
        ("promotion-pressure", "error", Fraction(1, 3), Fraction(3, 10)),
    ]


def test_4_1_1_warns_at_one_promotion_in_five() -> None:
    week = [P, C, C, C, C]

    assert channel_findings("balanced", week) == []
    assert channel_findings("4-1-1", week) == [
        ("promotion-pressure", "warning", Fraction(1, 5), Fraction(1, 6)),
    ]


def test_4_1_1_wants_half_curated() -> None:
    assert channel_findings("4-1-1", [C, E, E, G]) == [
        ("mix-shortfall", "warning", Fraction(1, 4), Fraction(1, 2)),
    ]


def test_5_3_2_wants_curated_and_personal_posts() -> None:
    assert channel_findings("5-3-2", [C, E, E, B, B]) == [
        ("mix-shortfall", "warning", Fraction(0), Fraction(1, 5)),
        ("mix-shortfall", "warning", Fraction(1, 5), Fraction(2, 5)),
    ]


def test_strict_fails_more_than_a_fifth_of_promotions() -> None:
    week = [P, E, C, P, G, M, E, P, C, G, M]  # 3 of 11

    assert channel_findings("balanced", week) == [
        ("promotion-pressure", "warning", Fraction(3, 11), Fraction(1, 5)),
    ]
    assert channel_findings("strict", week) == [
        ("promotion-pressure", "error", Fraction(3, 11), Fraction(1, 5)),
    ]


def test_a_workspace_override_wins_over_its_preset() -> None:
    config = RuleConfig(preset="strict", thresholds={"promotion-pressure": {"error_above": "1/2"}})

    assert config.thresholds_for("promotion-pressure")["error_above"] == Fraction(1, 2)
    assert config.thresholds_for("promotion-pressure")["warning_above"] == Fraction(1, 10)


@pytest.mark.parametrize("preset", list(PRESETS))
def test_presets_leave_cadence_and_content_rules_alone(preset: str) -> None:
    config, balanced = RuleConfig(preset=preset), RuleConfig()

    for rule_id in ("too-close", "burst", "quiet-channel", "duplicate-text", "quiet-hours"):
        assert config.thresholds_for(rule_id) == balanced.thresholds_for(rule_id)


def test_an_unknown_preset_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown preset 'viral'"):
        RuleConfig(preset="viral")
