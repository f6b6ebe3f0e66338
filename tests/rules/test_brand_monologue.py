"""brand-monologue: self posts (brand + promotion) dominate a week."""

from fractions import Fraction

from rules import Category

from .conftest import at, brief, only, post, week_of

B, P, E, C, G = (
    Category.BRAND,
    Category.PROMOTION,
    Category.EDUCATIONAL,
    Category.CURATED,
    Category.ENGAGEMENT,
)
WEEK = (at("2025-03-03 00:00"), at("2025-03-10 00:00"))


def test_a_week_of_five_self_posts_in_six_fails_once_in_a_workspace_of_one_channel() -> None:
    # The workspace-week is the channel's week: one problem, one finding (issue 13).
    findings = only("brand-monologue", week_of([B, B, B, P, P, E]))

    assert [brief(f) for f in findings] == [
        ("error", "shop-fb", *WEEK, (1, 2, 3, 4, 5), Fraction(5, 6), Fraction(2, 3)),
    ]
    assert findings[0].message == (
        "self posts (brand + promotion) are 5 of 6 (83%) on shop-fb in 2025-W10, above 2/3 (67%)"
    )
    assert "tip" in findings[0].hint


def test_a_week_on_two_channels_fails_on_the_channel_and_the_workspace() -> None:
    items = [
        *week_of([B, B, B, P, P, E]),
        post(7, "2025-03-08 09:00", G, channel="shop-ig", network="instagram"),
    ]

    findings = only("brand-monologue", items)

    assert [brief(f) for f in findings] == [
        ("error", None, *WEEK, (1, 2, 3, 4, 5), Fraction(5, 7), Fraction(2, 3)),
        ("error", "shop-fb", *WEEK, (1, 2, 3, 4, 5), Fraction(5, 6), Fraction(2, 3)),
    ]
    assert findings[0].message.startswith("self posts (brand + promotion) are 5 of 7 (71%) across")


def test_three_self_posts_in_five_warn_on_the_channel_only() -> None:
    findings = only("brand-monologue", week_of([B, B, P, E, C]))

    assert [brief(f) for f in findings] == [
        ("warning", "shop-fb", *WEEK, (1, 2, 3), Fraction(3, 5), Fraction(1, 2)),
    ]


def test_exactly_half_is_not_above_half() -> None:
    assert only("brand-monologue", week_of([B, P, E, G])) == []


def test_exactly_two_thirds_warns_but_does_not_fail() -> None:
    findings = only("brand-monologue", week_of([B, B, P, P, E, C]))

    assert [(f.severity.value, f.channel, f.measured) for f in findings] == [
        ("warning", "shop-fb", Fraction(2, 3)),
    ]


def test_a_week_of_three_posts_is_too_small_to_judge() -> None:
    assert only("brand-monologue", week_of([B, B, B])) == []


def test_small_channels_add_up_to_a_workspace_week() -> None:
    facebook = week_of([B, B, B], channel="shop-fb")
    instagram = week_of(
        [B, B, B], channel="shop-ig", network="instagram", start="2025-03-03 10:00", first_id=4
    )

    findings = only("brand-monologue", facebook + instagram)

    assert [brief(f) for f in findings] == [
        ("error", None, *WEEK, (1, 4, 2, 5, 3, 6), Fraction(1), Fraction(2, 3)),
    ]


def test_posts_without_a_category_count_toward_the_minimum_and_soften_the_severity() -> None:
    # 3 self posts of 4 categorised (75 %, above 2/3) but 3 of 5 (60 %) if the uncategorised
    # post is about something else: a warning that says one post is uncategorised.
    items = [*week_of([B, B, B]), post(4, "2025-03-05 09:00", None), post(5, "2025-03-05 21:00")]

    findings = only("brand-monologue", items)

    assert [brief(f) for f in findings] == [
        ("warning", "shop-fb", *WEEK, (1, 2, 3), Fraction(3, 4), Fraction(1, 2)),
    ]
    assert findings[0].uncategorised == 1
    assert findings[0].message == (
        "self posts (brand + promotion) are 3 of 4 categorised posts (75%; 1 more "
        "uncategorised) on shop-fb in 2025-W10, above 1/2 (50%)"
    )


def test_each_calendar_week_is_judged_on_its_own() -> None:
    # Saturday to Tuesday is four self posts in a row, but split 2 + 2 over two ISO weeks.
    items = [
        post(1, "2025-03-03 09:00", E),
        post(2, "2025-03-04 09:00", E),
        post(3, "2025-03-08 09:00", B),
        post(4, "2025-03-09 09:00", B),
        post(5, "2025-03-10 09:00", B),
        post(6, "2025-03-11 09:00", B),
        post(7, "2025-03-12 09:00", E),
        post(8, "2025-03-13 09:00", E),
    ]

    assert only("brand-monologue", items) == []
