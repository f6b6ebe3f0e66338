"""unstaffed-replies: a post that invites replies needs 4 staffed hours after it that day."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rules import Category, ConfigError, RuleConfig, make_config

from .conftest import at, brief, only, post

BERLIN = RuleConfig(timezone="Europe/Berlin")
ASK = Category.ENGAGEMENT


def question(id: int, when: str, zone: str = "Europe/Berlin", **kwargs: object) -> object:
    return post(id, when, ASK, zone=zone, text=f"What is your favourite walk? ({id})", **kwargs)


def test_a_question_at_a_quarter_to_six_on_friday_waits_for_monday() -> None:
    late = question(1, "2025-03-07 17:45")

    findings = only("unstaffed-replies", [late], BERLIN)

    assert [brief(f) for f in findings] == [
        (
            "warning",
            "shop-fb",
            at("2025-03-07 17:45", "Europe/Berlin"),
            at("2025-03-07 17:45", "Europe/Berlin"),
            (1,),
            timedelta(0),
            timedelta(hours=4),
        )
    ]
    assert findings[0].message == (
        "post on shop-fb asks a question at 17:45 on Friday; nobody is on duty until Monday 09:00"
    )
    assert findings[0].hint == (
        "Move it to Friday 13:00, the nearest time with 4 h on duty after it that day, or "
        "widen the staffed hours."
    )


@pytest.mark.parametrize(
    ("clock", "flagged"),
    [("08:00", False), ("09:00", False), ("13:00", False), ("13:01", True), ("16:59", True)],
)
def test_four_staffed_hours_must_follow_the_post(clock: str, flagged: bool) -> None:
    item = question(1, f"2025-03-05 {clock}")

    assert bool(only("unstaffed-replies", [item], BERLIN)) is flagged


def test_a_question_with_some_time_left_says_how_much() -> None:
    item = question(1, "2025-03-07 14:00")

    (finding,) = only("unstaffed-replies", [item], BERLIN)

    assert finding.measured == timedelta(hours=3)
    assert finding.message == (
        "post on shop-fb asks a question at 14:00 on Friday; only 3 h on duty after it that "
        "day, then nobody until Monday 09:00"
    )


def test_the_hint_proposes_the_nearest_covered_time_either_way() -> None:
    # Monday 08:00 with hours from 12:00: the same day's 12:00 is nearer than last Friday.
    config = make_config(timezone="Europe/Berlin", staffed="Mon-Fri 12:00-15:00, 15:00-18:00")
    early_saturday = question(1, "2025-03-08 00:30")

    (finding,) = only("unstaffed-replies", [early_saturday], config)

    assert "Move it to Friday 14:00" in finding.hint
    late_sunday = question(2, "2025-03-09 23:00")
    (finding,) = only("unstaffed-replies", [late_sunday], config)
    assert "Move it to Monday 12:00" in finding.hint


def test_other_categories_replies_and_later_thread_parts_are_not_checked() -> None:
    plan = [
        post(1, "2025-03-07 17:45", Category.BRAND, zone="Europe/Berlin"),
        question(2, "2025-03-07 18:00", reply_to="@alice"),
        post(3, "2025-03-07 19:00", ASK, zone="Europe/Berlin", text="@bob What do you think?"),
        question(4, "2025-03-07 10:00", thread="poll"),
        question(5, "2025-03-07 18:30", thread="poll"),
    ]

    assert only("unstaffed-replies", plan, BERLIN) == []


def test_each_channel_has_its_own_staffed_hours() -> None:
    config = make_config(
        timezone="Europe/Berlin", channel_staffed={"news-x": "Mon-Sun 08:00-22:00"}
    )
    plan = [
        question(1, "2025-03-08 11:00", channel="news-x", network="x"),
        question(2, "2025-03-08 11:00"),
    ]

    assert [f.channel for f in only("unstaffed-replies", plan, config)] == ["shop-fb"]


def test_the_time_needed_and_the_categories_are_settings() -> None:
    config = make_config(
        timezone="Europe/Berlin",
        thresholds={
            "unstaffed-replies": {"min_staffed": "2h", "categories": ["engagement", "community"]}
        },
    )
    plan = [
        question(1, "2025-03-05 14:30"),
        post(2, "2025-03-05 16:00", Category.COMMUNITY, zone="Europe/Berlin"),
    ]

    assert [f.post_ids for f in only("unstaffed-replies", plan, config)] == [(2,)]


def test_nobody_on_duty_at_all_says_so() -> None:
    config = make_config(timezone="Europe/Berlin", staffed="none")

    (finding,) = only("unstaffed-replies", [question(1, "2025-03-05 10:00")], config)

    assert finding.message.endswith("; nobody is on duty on any day")


def test_an_interval_ending_at_midnight_covers_the_evening() -> None:
    config = make_config(timezone="Europe/Berlin", staffed="Fri 20:00-24:00")

    assert only("unstaffed-replies", [question(1, "2025-03-07 20:00")], config) == []
    assert len(only("unstaffed-replies", [question(1, "2025-03-07 20:01")], config)) == 1


@pytest.mark.parametrize(
    ("when", "flagged", "left"),
    [
        # Berlin, 2025-03-30: 02:00 becomes 03:00, so 01:30 to 06:00 is 3.5 real hours.
        ("2025-03-30 00:30", False, None),
        ("2025-03-30 01:30", True, timedelta(hours=3, minutes=30)),
        # Berlin, 2025-10-26: 03:00 becomes 02:00 again, so 02:30 (summer time) to 06:00 is
        # 4.5 real hours, though the clock says 3.5.
        ("2025-10-26 02:30", False, None),
        ("2025-10-26 03:00", True, timedelta(hours=3)),
    ],
)
def test_staffed_time_is_real_time_across_berlin_dst(
    when: str, flagged: bool, left: timedelta | None
) -> None:
    config = make_config(timezone="Europe/Berlin", staffed="Sun 00:00-06:00")

    findings = only("unstaffed-replies", [question(1, when)], config)

    assert bool(findings) is flagged
    if findings:
        assert findings[0].measured == left


@pytest.mark.parametrize(
    ("when", "flagged"),
    [
        # New York, 2025-03-09: 02:00 becomes 03:00; 00:00 to 05:00 is 4 real hours.
        ("2025-03-09 00:00", False),
        ("2025-03-09 00:01", True),
        # New York, 2025-11-02: 02:00 becomes 01:00; 01:00 (daylight time) to 04:00 is 4 hours.
        ("2025-11-02 01:00", False),
        ("2025-11-02 01:01", True),
    ],
)
def test_staffed_time_is_real_time_across_new_york_dst(when: str, flagged: bool) -> None:
    config = make_config(timezone="America/New_York", staffed="Sun 00:00-05:00")
    if when.startswith("2025-11"):
        config = make_config(timezone="America/New_York", staffed="Sun 00:00-04:00")

    findings = only("unstaffed-replies", [question(1, when, zone="America/New_York")], config)

    assert bool(findings) is flagged


def test_the_hint_on_the_day_clocks_go_forward_counts_real_hours() -> None:
    config = make_config(timezone="Europe/Berlin", staffed="Sun 00:00-06:00")

    (finding,) = only("unstaffed-replies", [question(1, "2025-03-30 05:00")], config)

    assert finding.hint.startswith("Move it to Sunday 01:00,")


def test_unknown_categories_are_refused_with_their_names() -> None:
    with pytest.raises(ConfigError, match="unknown categories questions"):
        make_config(thresholds={"unstaffed-replies": {"categories": ["engagement", "questions"]}})
