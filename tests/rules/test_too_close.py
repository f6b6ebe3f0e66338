"""too-close: two posts on one channel closer than the network's minimum gap."""

from datetime import timedelta

from .conftest import at, brief, only, post


def test_facebook_posts_three_hours_apart_warn() -> None:
    items = [post(1, "2025-03-04 09:00"), post(2, "2025-03-04 12:00")]

    findings = only("too-close", items)

    assert [brief(f) for f in findings] == [
        (
            "warning",
            "shop-fb",
            at("2025-03-04 09:00"),
            at("2025-03-04 12:00"),
            (1, 2),
            timedelta(hours=3),
            timedelta(hours=4),
        )
    ]
    assert findings[0].message == (
        "2 posts on shop-fb 3 h apart (2025-03-04 09:00 UTC and 12:00), closer than 4 h"
    )
    assert findings[0].hint == "Move one of them at least 4 h away from the other."


def test_exactly_the_minimum_gap_is_fine() -> None:
    assert only("too-close", [post(1, "2025-03-04 09:00"), post(2, "2025-03-04 13:00")]) == []


def test_linkedin_wants_eighteen_hours() -> None:
    items = [
        post(1, "2025-03-04 09:00", channel="co-li", network="linkedin"),
        post(2, "2025-03-05 02:00", channel="co-li", network="linkedin"),
    ]

    findings = only("too-close", items)

    assert [(f.measured, f.threshold) for f in findings] == [
        (timedelta(hours=17), timedelta(hours=18))
    ]


def test_posts_on_different_channels_may_be_close() -> None:
    items = [post(1, "2025-03-04 09:00"), post(2, "2025-03-04 09:05", channel="shop-ig")]

    assert only("too-close", items) == []


def test_three_crowded_posts_give_one_finding_per_neighbouring_pair() -> None:
    items = [post(n, f"2025-03-04 {9 + n:02d}:00") for n in (0, 1, 2)]

    assert [f.post_ids for f in only("too-close", items)] == [(0, 1), (1, 2)]
