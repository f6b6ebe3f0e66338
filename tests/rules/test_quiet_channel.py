"""quiet-channel: a channel with a long gap inside the plan."""

from datetime import date, timedelta

from rules import RuleConfig

from .conftest import at, brief, only, post


def test_four_days_without_a_post_on_x_warn() -> None:
    items = [
        post(1, "2025-03-03 09:00", channel="shop-x", network="x"),
        post(2, "2025-03-07 10:00", channel="shop-x", network="x"),
    ]

    findings = only("quiet-channel", items)

    assert [brief(f) for f in findings] == [
        (
            "warning",
            "shop-x",
            at("2025-03-03 09:00"),
            at("2025-03-07 10:00"),
            (1, 2),
            timedelta(days=4, hours=1),
            timedelta(days=3),
        )
    ]
    assert findings[0].message == (
        "no post on shop-x for 4 d 1 h, from 2025-03-03 09:00 UTC to 2025-03-07 10:00 UTC, "
        "above 3 days"
    )


def test_four_days_on_facebook_are_fine_and_exactly_seven_too() -> None:
    four = [post(1, "2025-03-03 09:00"), post(2, "2025-03-07 09:00")]
    seven = [post(1, "2025-03-03 09:00"), post(2, "2025-03-10 09:00")]

    assert only("quiet-channel", four) == []
    assert only("quiet-channel", seven) == []


def test_eight_days_on_facebook_warn_and_fifteen_fail() -> None:
    eight = [post(1, "2025-03-03 09:00"), post(2, "2025-03-11 09:00")]
    fifteen = [post(1, "2025-03-03 09:00"), post(2, "2025-03-18 09:00")]

    assert [(f.severity.value, f.threshold) for f in only("quiet-channel", eight)] == [
        ("warning", timedelta(days=7))
    ]
    assert [(f.severity.value, f.threshold) for f in only("quiet-channel", fifteen)] == [
        ("error", timedelta(days=14))
    ]


def test_a_channel_that_starts_late_or_ends_early_in_the_plan_has_no_gap_at_the_edges() -> None:
    # late-ig joins nine days in; early-li stops after the first day. Without an explicit
    # range the plan simply starts and ends with its own posts (issue 13).
    items = [
        post(1, "2025-03-03 09:00"),
        post(2, "2025-03-06 09:00"),
        post(3, "2025-03-09 09:00"),
        post(4, "2025-03-12 09:00"),
        post(5, "2025-03-12 10:00", channel="late-ig", network="instagram"),
        post(6, "2025-03-03 10:00", channel="early-li", network="linkedin"),
    ]

    assert only("quiet-channel", items) == []


def test_an_explicit_range_shows_the_gap_from_its_start_to_a_late_channel() -> None:
    items = [
        post(1, "2025-03-03 09:00"),
        post(2, "2025-03-06 09:00"),
        post(3, "2025-03-09 09:00"),
        post(4, "2025-03-12 09:00"),
        post(5, "2025-03-12 10:00", channel="late-ig", network="instagram"),
    ]
    config = RuleConfig(range_start=date(2025, 3, 3))

    findings = only("quiet-channel", items, config)

    assert [brief(f) for f in findings] == [
        (
            "warning",
            "late-ig",
            at("2025-03-03 00:00"),
            at("2025-03-12 10:00"),
            (5,),
            timedelta(days=9, hours=10),
            timedelta(days=7),
        )
    ]
    assert "from the start of the range" in findings[0].message


def test_a_gap_between_a_channels_own_posts_counts_whatever_the_range() -> None:
    items = [
        post(1, "2025-03-03 09:00", channel="ig", network="instagram"),
        post(2, "2025-03-12 09:00", channel="ig", network="instagram"),
        post(3, "2025-03-01 09:00", channel="x", network="x"),
        post(4, "2025-03-20 09:00", channel="x", network="x", text="Another post on x"),
    ]

    findings = only("quiet-channel", [items[0], items[1]])

    assert [(f.channel, f.post_ids) for f in findings] == [("ig", (1, 2))]
    assert [(f.channel, f.post_ids) for f in only("quiet-channel", items)] == [
        ("x", (3, 4)),
        ("ig", (1, 2)),
    ]


def test_the_gap_runs_to_the_end_of_an_explicit_range() -> None:
    items = [post(1, "2025-03-03 09:00"), post(2, "2025-03-05 09:00")]
    config = RuleConfig(range_start=date(2025, 3, 3), range_end=date(2025, 3, 16))

    findings = only("quiet-channel", items, config)

    assert [(f.window_start, f.window_end, f.post_ids, f.severity.value) for f in findings] == [
        (at("2025-03-05 09:00"), at("2025-03-17 00:00"), (2,), "warning")
    ]
    assert "to the end of the range" in findings[0].message
