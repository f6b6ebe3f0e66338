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


def test_a_channel_that_starts_late_in_the_plan_shows_the_gap_from_its_start() -> None:
    items = [
        post(1, "2025-03-03 09:00"),
        post(2, "2025-03-06 09:00"),
        post(3, "2025-03-09 09:00"),
        post(4, "2025-03-12 09:00"),
        post(5, "2025-03-12 10:00", channel="late-ig", network="instagram"),
    ]

    findings = only("quiet-channel", items)

    assert [brief(f) for f in findings] == [
        (
            "warning",
            "late-ig",
            at("2025-03-03 09:00"),
            at("2025-03-12 10:00"),
            (5,),
            timedelta(days=9, hours=1),
            timedelta(days=7),
        )
    ]
    assert "from the start of the range" in findings[0].message


def test_the_gap_runs_to_the_end_of_an_explicit_range() -> None:
    items = [post(1, "2025-03-03 09:00"), post(2, "2025-03-05 09:00")]
    config = RuleConfig(range_start=date(2025, 3, 3), range_end=date(2025, 3, 16))

    findings = only("quiet-channel", items, config)

    assert [(f.window_start, f.window_end, f.post_ids, f.severity.value) for f in findings] == [
        (at("2025-03-05 09:00"), at("2025-03-17 00:00"), (2,), "warning")
    ]
    assert "to the end of the range" in findings[0].message
