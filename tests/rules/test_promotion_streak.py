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


def test_an_uncategorised_post_does_not_hide_a_streak_but_softens_it() -> None:
    # Among the categorised posts it is 3 promotions in a row; if the uncategorised post is
    # no promotion, it is two runs of 2 and 1: a warning that names the uncategorised post.
    items = [post(1, "2025-03-03 09:00", P), post(2, "2025-03-04 09:00", P)]
    items += [post(3, "2025-03-05 09:00", None), post(4, "2025-03-06 09:00", P)]

    findings = only("promotion-streak", items)

    assert [(f.severity.value, f.post_ids, f.measured, f.threshold) for f in findings] == [
        ("warning", (1, 2, 4), 3, 2)
    ]
    assert findings[0].uncategorised == 1
    assert "3 promotions in a row on shop-fb, past 1 uncategorised" in findings[0].message


def test_a_thread_of_promotions_is_one_post_and_no_streak() -> None:
    items = [
        post(1, "2025-03-03 09:00", P, thread="offer"),
        post(2, "2025-03-03 09:01", P, thread="offer"),
        post(3, "2025-03-03 09:02", P, thread="offer"),
    ]

    assert only("promotion-streak", items) == []


def test_a_reply_between_promotions_does_not_break_the_streak() -> None:
    # The reply answers one person; the followers' feed shows two offers in a row.
    items = [post(1, "2025-03-03 09:00", P), post(3, "2025-03-05 09:00", P)]
    items.append(post(2, "2025-03-04 09:00", Category.CARE, text="@ann Sorry, fixed now."))

    assert [f.post_ids for f in only("promotion-streak", items)] == [(1, 3)]


def test_promotions_on_different_channels_are_not_a_streak() -> None:
    items = [
        post(1, "2025-03-03 09:00", P, channel="a"),
        post(2, "2025-03-03 12:00", P, channel="b"),
        post(3, "2025-03-03 15:00", P, channel="a", text="Another offer"),
    ]

    findings = only("promotion-streak", items)

    assert [(f.channel, f.post_ids) for f in findings] == [("a", (1, 3))]
