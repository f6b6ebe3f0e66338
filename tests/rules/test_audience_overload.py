"""audience-overload: more posts on a channel in one local day than its network's cap."""

from datetime import timedelta

from rules import NetworkCaps, RuleConfig

from .conftest import at, brief, only, post


def day_of(count: int, **where: str) -> list:
    return [post(n, f"2025-03-04 {8 + 3 * n:02d}:00", **where) for n in range(1, count + 1)]


TUESDAY = (at("2025-03-04 00:00"), at("2025-03-05 00:00"))


def test_three_facebook_posts_in_a_day_warn() -> None:
    findings = only("audience-overload", day_of(3))

    assert [brief(f) for f in findings] == [("warning", "shop-fb", *TUESDAY, (1, 2, 3), 3, 2)]
    assert findings[0].message == (
        "3 posts on shop-fb on Tue 2025-03-04, above facebook's cap of 2 a day"
    )


def test_four_facebook_posts_in_a_day_fail() -> None:
    findings = only("audience-overload", day_of(4))

    assert [brief(f) for f in findings] == [("error", "shop-fb", *TUESDAY, (1, 2, 3, 4), 4, 3)]


def test_two_facebook_posts_in_a_day_are_fine() -> None:
    assert only("audience-overload", day_of(2)) == []


def test_linkedin_takes_one_post_a_day() -> None:
    findings = only("audience-overload", day_of(2, channel="co-li", network="linkedin"))

    assert [(f.severity.value, f.measured, f.threshold) for f in findings] == [("warning", 2, 1)]


def test_networks_not_in_the_table_take_ten_a_day() -> None:
    eleven = [post(n, f"2025-03-04 {n + 8:02d}:00", network="webhook") for n in range(1, 12)]

    assert [(f.measured, f.threshold) for f in only("audience-overload", eleven)] == [(11, 10)]
    assert only("audience-overload", eleven[:10]) == []


def test_a_channel_with_its_own_caps_uses_them() -> None:
    config = RuleConfig(channel_caps={"shop-fb": NetworkCaps(5, 8, timedelta(hours=1))})

    assert only("audience-overload", day_of(4), config) == []


def test_days_are_local_days_in_the_workspace_timezone() -> None:
    # 22:30 and 23:30 UTC on Monday are 23:30 Monday and 00:30 Tuesday in Berlin.
    items = [
        post(1, "2025-03-03 22:30"),
        post(2, "2025-03-03 23:30"),
        post(3, "2025-03-04 09:00"),
        post(4, "2025-03-04 13:00"),
    ]

    in_utc = only("audience-overload", items)
    in_berlin = only("audience-overload", items, RuleConfig(timezone="Europe/Berlin"))

    assert [(f.post_ids, f.window_start) for f in in_utc] == []
    assert [(f.post_ids, f.window_start, f.window_end) for f in in_berlin] == [
        (
            (2, 3, 4),
            at("2025-03-04 00:00", "Europe/Berlin"),
            at("2025-03-05 00:00", "Europe/Berlin"),
        )
    ]
