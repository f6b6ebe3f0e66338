"""Uncategorised posts never hide a monologue: the mix is judged with and without them."""

from datetime import timedelta
from fractions import Fraction

from rules import Category

from .conftest import at, brief, only, post, week_of

B, P, E, G = Category.BRAND, Category.PROMOTION, Category.EDUCATIONAL, Category.ENGAGEMENT
WEEK = (at("2025-03-03 00:00"), at("2025-03-10 00:00"))


def test_uncategorised_posts_count_toward_the_weekly_minimum() -> None:
    # 3 brand posts and 3 uncategorised: 3 of 3 categorised, 3 of 6 if the others are not
    # about the brand (not above 1/2): a warning, where leaving them out judged nothing.
    items = week_of([B, B, B, None, None, None])  # type: ignore[list-item]

    findings = only("brand-monologue", items)

    assert [brief(f) for f in findings] == [
        ("warning", "shop-fb", *WEEK, (1, 2, 3), Fraction(1), Fraction(1, 2))
    ]
    assert findings[0].uncategorised == 3
    assert findings[0].to_json()["uncategorised"] == 3


def test_a_monologue_that_no_category_could_save_keeps_its_severity() -> None:
    # 5 brand posts and 1 uncategorised: 5 of 6 even if it is a question: error.
    findings = only("brand-monologue", week_of([B, B, B, B, B, None]))  # type: ignore[list-item]

    assert [(f.severity.value, f.measured, f.threshold) for f in findings] == [
        ("error", Fraction(1), Fraction(2, 3))
    ]


def test_an_account_whose_categories_are_all_empty_does_not_escape() -> None:
    monday = at("2025-01-06 09:00")
    items = [
        post(
            w * 3 + n + 1,
            monday + timedelta(weeks=w, days=2 * n),
            None,
            channel="corp-x",
            network="x",
        )
        for w in range(11)
        for n in range(3)
    ]

    findings = only("brand-monologue", items)

    assert [(f.severity.value, f.channel, f.uncategorised) for f in findings] == [
        ("info", "corp-x", 33)
    ]
    assert findings[0].message.startswith(
        "33 of 33 posts on corp-x over the 11 weeks 2025-W02 to 2025-W12 are uncategorised"
    )
    assert "categories" in findings[0].hint


def test_no_conversation_among_categorised_posts_warns_and_counts_the_others() -> None:
    items = week_of([B, B, E, E, P, None, None])  # type: ignore[list-item]

    findings = only("no-conversation", items)

    assert [(f.severity.value, f.channel, f.uncategorised) for f in findings] == [
        ("warning", "shop-fb", 2)
    ]
    assert findings[0].message.endswith("; 2 of them are uncategorised")


def test_a_week_of_categorised_conversation_is_fine_whatever_the_rest() -> None:
    assert only("no-conversation", week_of([G, None, None, None])) == []  # type: ignore[list-item]
