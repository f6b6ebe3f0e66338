"""quiet-hours: a post while the audience sleeps (22:00 to 07:00, workspace timezone)."""

from datetime import time

import pytest

from rules import RuleConfig

from .conftest import at, brief, only, post

BERLIN = RuleConfig(timezone="Europe/Berlin")


def test_a_post_at_half_past_eleven_in_berlin_is_noted() -> None:
    late = post(1, "2025-03-04 23:30", zone="Europe/Berlin")

    findings = only("quiet-hours", [late], BERLIN)

    assert [brief(f) for f in findings] == [
        (
            "info",
            "shop-fb",
            at("2025-03-04 23:30", "Europe/Berlin"),
            at("2025-03-04 23:30", "Europe/Berlin"),
            (1,),
            time(23, 30),
            "22:00-07:00",
        )
    ]
    assert findings[0].message == (
        "post on shop-fb at 2025-03-04 23:30 Europe/Berlin, inside quiet hours 22:00-07:00"
    )


@pytest.mark.parametrize(
    ("clock", "quiet"),
    [("21:59", False), ("22:00", True), ("03:00", True), ("06:59", True), ("07:00", False)],
)
def test_quiet_hours_start_at_ten_and_end_at_seven(clock: str, quiet: bool) -> None:
    item = post(1, f"2025-03-04 {clock}", zone="Europe/Berlin")

    assert bool(only("quiet-hours", [item], BERLIN)) is quiet


def test_quiet_hours_are_read_in_the_workspace_timezone() -> None:
    # 23:30 UTC is 00:30 in Berlin and 15:30 in Los Angeles.
    item = post(1, "2025-03-04 23:30")

    assert len(only("quiet-hours", [item], BERLIN)) == 1
    assert only("quiet-hours", [item], RuleConfig(timezone="America/Los_Angeles")) == []


def test_a_workspace_may_move_its_quiet_hours() -> None:
    config = RuleConfig(thresholds={"quiet-hours": {"start": "23:00", "end": "06:00"}})

    assert only("quiet-hours", [post(1, "2025-03-04 22:30")], config) == []
    assert len(only("quiet-hours", [post(1, "2025-03-04 23:30")], config)) == 1
