"""promotion-streak: promotions back to back on one channel, across weeks."""

from rules import Category

from .conftest import at, brief, only, post

P, E = Category.PROMOTION, Category.EDUCATIONAL


def test_two_promotions_in_a_row_across_a_week_boundary_warn() -> None:
    items = [
        post(1, "2025-03-08 10:00", E),
        post(2, "2025-03-09 18:00", P),  # Sunday, week 10
        post(3, "2025-03-10 09:00", P),  # Monday, week 11
        post(4, "2025-03-11 09:00", E),
    ]

    findings = only("promotion-streak", items)

    assert [brief(f) for f in findings] == [
        ("warning", "shop-fb", at("2025-03-09 18:00"), at("2025-03-10 09:00"), (2, 3), 2, 2),
    ]
    assert findings[0].message == (
        "2 promotions in a row on shop-fb, from 2025-03-09 18:00 UTC to 2025-03-10 09:00 UTC"
    )


def test_three_promotions_in_a_row_fail() -> None:
    items = [post(n, f"2025-03-0{n + 2} 09:00", P) for n in range(1, 4)]

    findings = only("promotion-streak", items)

    assert [brief(f) for f in findings] == [
        ("error", "shop-fb", at("2025-03-03 09:00"), at("2025-03-05 09:00"), (1, 2, 3), 3, 3),
    ]


def test_a_post_of_another_category_between_them_breaks_the_streak() -> None:
    items = [post(1, "2025-03-03 09:00", P), post(2, "2025-03-04 09:00", E)]
    items.append(post(3, "2025-03-05 09:00", P))

    assert only("promotion-streak", items) == []


def test_a_post_without_a_category_breaks_the_streak() -> None:
    items = [post(1, "2025-03-03 09:00", P), post(2, "2025-03-04 09:00", None)]
    items.append(post(3, "2025-03-05 09:00", P))

    assert only("promotion-streak", items) == []


def test_promotions_on_different_channels_are_not_a_streak() -> None:
    items = [
        post(1, "2025-03-03 09:00", P, channel="a"),
        post(2, "2025-03-03 12:00", P, channel="b"),
        post(3, "2025-03-03 15:00", P, channel="a", text="Another offer"),
    ]

    findings = only("promotion-streak", items)

    assert [(f.channel, f.post_ids) for f in findings] == [("a", (1, 3))]
