"""Staffed hours: the text form, its errors, and real-time durations across DST changes."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules import make_config
from rules.staffing import (
    NOBODY,
    OFFICE_HOURS,
    StaffedHours,
    StaffedHoursError,
    format_staffed,
    from_json,
    parse_staffed,
    unstaffed_hours,
)

from .conftest import at

BERLIN = ZoneInfo("Europe/Berlin")


def test_the_text_form_reads_ranges_lists_and_several_intervals() -> None:
    hours = parse_staffed("Mon-Fri 09:00-17:00; Sat 10:00-12:00\nSun 08:00-10:00, 14:00 - 16:00")

    assert hours.days[0] == ((540, 1020),)
    assert hours.days[4] == ((540, 1020),)
    assert hours.days[5] == ((600, 720),)
    assert hours.days[6] == ((480, 600), (840, 960))
    assert format_staffed(hours) == (
        "Mon-Fri 09:00-17:00; Sat 10:00-12:00; Sun 08:00-10:00, 14:00-16:00"
    )


def test_days_named_twice_add_up_and_overlaps_join() -> None:
    hours = parse_staffed("Mon,Wed 09:00-12:00; Mon 11:00-15:00; Fri-Mon 24h")

    assert hours.days[0] == ((0, 1440),)
    assert hours.days[2] == ((540, 720),)
    assert hours.days[5] == hours.days[6] == ((0, 1440),)
    assert hours.days[1] == ()


def test_office_hours_are_the_default_and_none_is_nobody() -> None:
    assert str(OFFICE_HOURS) == "Mon-Fri 09:00-17:00"
    assert make_config().staffed == OFFICE_HOURS
    assert parse_staffed("none") == NOBODY
    assert parse_staffed("  ") == NOBODY
    assert str(NOBODY) == "none"


def test_every_bad_part_is_named_at_once() -> None:
    with pytest.raises(StaffedHoursError) as raised:
        parse_staffed("Mnday 09:00-17:00; Tue 25:00-26:00; Wed 12:00-12:00; 09:00-10:00; Thu")

    assert raised.value.problems == (
        "'Mnday' is not a day or a range of days (write Mon, Tue, Wed, Thu, Fri, Sat, Sun, "
        "or a range such as Mon-Fri)",
        "'25:00' is not a time (HH:MM, 00:00 to 24:00)",
        "'26:00' is not a time (HH:MM, 00:00 to 24:00)",
        "'12:00-12:00' is empty: the start and the end are the same",
        "'09:00-10:00' names no day: start it with one, e.g. 'Mon-Fri 09:00-10:00'",
        "'Thu' has no hours: add a time range such as 09:00-17:00",
    )


def test_an_interval_across_midnight_is_refused_with_the_way_to_write_it() -> None:
    with pytest.raises(StaffedHoursError) as raised:
        parse_staffed("Fri 22:00-02:00")

    assert raised.value.problems == (
        "'22:00-02:00' crosses midnight: split it at midnight, e.g. "
        "'Fri 22:00-24:00; Sat 00:00-02:00'",
    )
    night = parse_staffed("Fri 22:00-24:00; Sat 00:00-02:00")
    assert night.staffed_between(
        at("2025-03-07 21:00", "Europe/Berlin"), at("2025-03-08 03:00", "Europe/Berlin"), BERLIN
    ) == timedelta(hours=4)


def test_the_json_form_round_trips_and_bad_values_are_config_errors() -> None:
    hours = parse_staffed("Mon-Fri 09:00-17:00; Sat 10:00-12:00")

    assert from_json(hours.to_json()) == hours
    assert from_json("Mon 09:00-10:00") == parse_staffed("Mon 09:00-10:00")
    with pytest.raises(StaffedHoursError):
        from_json({"Mon": [["09:00"]]})
    with pytest.raises(StaffedHoursError):
        StaffedHours((((600, 540),),) + ((),) * 6)


def test_a_day_when_berlin_clocks_go_forward_is_an_hour_shorter() -> None:
    sunday = parse_staffed("Sun 00:00-06:00")  # 2025-03-30: 02:00 becomes 03:00

    assert sunday.staffed_between(
        at("2025-03-30 00:00", "Europe/Berlin"), at("2025-03-31 00:00", "Europe/Berlin"), BERLIN
    ) == timedelta(hours=5)
    assert sunday.latest_covered(date(2025, 3, 30), timedelta(hours=4), BERLIN) == at(
        "2025-03-30 01:00", "Europe/Berlin"
    )


def test_a_day_when_berlin_clocks_go_back_is_an_hour_longer() -> None:
    sunday = parse_staffed("Sun 00:00-06:00")  # 2025-10-26: 03:00 becomes 02:00

    assert sunday.staffed_rest_of_day(at("2025-10-26 00:00", "Europe/Berlin"), BERLIN) == (
        timedelta(hours=7)
    )


def test_unstaffed_hours_are_those_no_schedule_staffs() -> None:
    early = parse_staffed("Mon 07:00-12:00")
    late = parse_staffed("Mon 10:00-15:00")

    assert list(unstaffed_hours([early, late], 0)) == [(0, 420), (900, 1440)]
    assert list(unstaffed_hours([early], 1)) == [(0, 1440)]


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list("MonTueWdhFriSatSu-,;: \n\t0123456789h") + ["\u0660", "\uff19", "\u2013", "\x00"]
        ),
        max_size=60,
    )
    | st.text(max_size=40)
)
def test_any_text_is_read_or_refused_with_problems_never_crashes(text: str) -> None:
    try:
        hours = parse_staffed(text)
    except StaffedHoursError as error:
        assert error.problems and all(isinstance(p, str) and p for p in error.problems)
    else:
        assert parse_staffed(format_staffed(hours)) == hours
