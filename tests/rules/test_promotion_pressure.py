"""promotion-pressure: promotions above their share of a week."""

from fractions import Fraction

from rules import Category

from .conftest import at, brief, only, week_of

B, P, E, C = Category.BRAND, Category.PROMOTION, Category.EDUCATIONAL, Category.CURATED
WEEK = (at("2025-03-03 00:00"), at("2025-03-10 00:00"))


def test_two_promotions_in_five_posts_fail() -> None:
    findings = only("promotion-pressure", week_of([P, E, P, C, E]))

    assert [brief(f) for f in findings] == [
        ("error", "shop-fb", *WEEK, (1, 3), Fraction(2, 5), Fraction(1, 3)),
    ]
    assert findings[0].message == (
        "promotions are 2 of 5 (40%) on shop-fb in 2025-W10, above 1/3 (33%)"
    )


def test_one_promotion_in_four_posts_warns() -> None:
    findings = only("promotion-pressure", week_of([E, P, C, B]))

    assert [brief(f) for f in findings] == [
        ("warning", "shop-fb", *WEEK, (2,), Fraction(1, 4), Fraction(1, 5)),
    ]


def test_one_promotion_in_five_posts_is_exactly_a_fifth_and_passes() -> None:
    assert only("promotion-pressure", week_of([E, P, C, B, E])) == []


def test_a_third_warns_once_in_a_workspace_of_one_channel_but_does_not_fail() -> None:
    findings = only("promotion-pressure", week_of([P, E, P, C, B, E]))

    assert [(f.severity.value, f.channel, f.measured) for f in findings] == [
        ("warning", "shop-fb", Fraction(1, 3)),
    ]
