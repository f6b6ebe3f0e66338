"""Weeks are ISO weeks of the local date in the workspace timezone; days are local days,
however long daylight saving time makes them."""

from datetime import datetime, timedelta
from fractions import Fraction

from rules import Category, RuleConfig

from .conftest import UTC, at, brief, only, post, week_of


def hours(start: datetime, end: datetime) -> timedelta:
    """Real time between two aware datetimes (Python subtracts wall clocks in one zone)."""
    return end.astimezone(UTC) - start.astimezone(UTC)


B, P, E = Category.BRAND, Category.PROMOTION, Category.EDUCATIONAL
BERLIN = RuleConfig(timezone="Europe/Berlin")


def test_the_week_clocks_go_forward_in_berlin_is_167_hours_long() -> None:
    # 2025-W13 runs from Monday 24 March to Sunday 30 March; at 02:00 on Sunday the clocks
    # jump to 03:00.
    items = week_of([B, B, B, B, B, B], start="2025-03-24 08:00")

    findings = only("brand-monologue", items, BERLIN)

    start = at("2025-03-24 00:00", "Europe/Berlin")
    end = at("2025-03-31 00:00", "Europe/Berlin")
    assert [brief(f) for f in findings] == [
        ("error", "shop-fb", start, end, (1, 2, 3, 4, 5, 6), Fraction(1), Fraction(2, 3)),
    ]
    assert hours(start, end) == timedelta(hours=167)
    assert findings[0].window_start.utcoffset() == timedelta(hours=1)
    assert findings[0].window_end.utcoffset() == timedelta(hours=2)


def test_sunday_night_in_utc_can_be_monday_in_berlin() -> None:
    # 21:30 UTC on Sunday 30 March is 23:30 in Berlin (week 13); 22:30 UTC is 00:30 on
    # Monday (week 14).
    week_13 = [post(n, f"2025-03-2{n + 4} 09:00", E) for n in range(1, 4)]
    items = [
        *week_13,
        post(4, "2025-03-30 21:30", P),
        post(5, "2025-03-30 22:30", P),
        *[post(n, f"2025-04-0{n - 4} 09:00", E) for n in range(6, 9)],
    ]

    findings = only("promotion-pressure", items, BERLIN)

    assert [(f.window_start, f.post_ids, f.measured) for f in findings] == [
        (at("2025-03-24 00:00", "Europe/Berlin"), (4,), Fraction(1, 4)),
        (at("2025-03-31 00:00", "Europe/Berlin"), (5,), Fraction(1, 4)),
    ]
    in_utc = only("promotion-pressure", items)
    assert [(f.window_start, f.post_ids, f.measured) for f in in_utc] == [
        (at("2025-03-24 00:00"), (4, 5), Fraction(2, 5)),
    ]


def test_the_day_clocks_go_forward_is_23_hours_long() -> None:
    items = [post(n, f"2025-03-30 {8 + 3 * n:02d}:00", zone="Europe/Berlin") for n in (1, 2, 3)]

    findings = only("audience-overload", items, BERLIN)

    assert len(findings) == 1
    assert hours(findings[0].window_start, findings[0].window_end) == timedelta(hours=23)


def test_the_day_clocks_go_back_is_25_hours_long_and_gaps_are_real_time() -> None:
    # 00:30 and 01:30 UTC on 26 October are both 02:30 on a Berlin clock.
    items = [post(1, "2025-10-26 00:30"), post(2, "2025-10-26 01:30"), post(3, "2025-10-26 16:00")]

    overload = only("audience-overload", items, BERLIN)
    close = only("too-close", items, BERLIN)

    assert [hours(f.window_start, f.window_end) for f in overload] == [timedelta(hours=25)]
    assert [(f.post_ids, f.measured) for f in close] == [((1, 2), timedelta(hours=1))]
    assert [f.window_start.isoformat() for f in close] == ["2025-10-26T02:30:00+02:00"]
    assert [f.window_end.isoformat() for f in close] == ["2025-10-26T02:30:00+01:00"]


def test_weeks_in_los_angeles_end_eight_hours_after_utc_weeks() -> None:
    # 06:00 UTC on Monday 10 March is 23:00 on Sunday 9 March in Los Angeles.
    items = [post(n, f"2025-03-0{n + 2} 18:00", E) for n in (1, 2, 3)]
    items.append(post(4, "2025-03-10 06:00", P))

    in_la = only("promotion-pressure", items, RuleConfig(timezone="America/Los_Angeles"))
    in_utc = only("promotion-pressure", items)

    assert [brief(f) for f in in_la] == [
        (
            "warning",
            "shop-fb",
            at("2025-03-03 00:00", "America/Los_Angeles"),
            at("2025-03-10 00:00", "America/Los_Angeles"),
            (4,),
            Fraction(1, 4),
            Fraction(1, 5),
        )
    ]
    assert in_utc == []


def test_weeks_in_kolkata_start_five_and_a_half_hours_before_utc_weeks() -> None:
    # 19:00 UTC on Sunday 9 March is 00:30 on Monday 10 March in Kolkata.
    items = [post(n, f"2025-03-0{n + 5} 09:00", E) for n in (1, 2, 3)]
    items.append(post(4, "2025-03-09 19:00", P))

    in_kolkata = only("promotion-pressure", items, RuleConfig(timezone="Asia/Kolkata"))
    in_utc = only("promotion-pressure", items)

    assert in_kolkata == []
    assert [(f.post_ids, f.measured) for f in in_utc] == [((4,), Fraction(1, 4))]


def test_week_labels_follow_iso_years() -> None:
    # Monday 29 December 2025 is in week 1 of ISO year 2026.
    items = week_of([P, P, E, E], start="2025-12-29 09:00")

    findings = only("promotion-pressure", items)

    assert [f.message.split(" in ")[1].split(",")[0] for f in findings] == ["2026-W01"]
