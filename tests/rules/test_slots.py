"""Best next slot: the finder proposes only times the rules then leave alone."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules import Category, PlanItem, RuleConfig, check, make_config
from rules.slots import NEW_POST_ID, _new_findings, _slot_config, find_slots

from .conftest import at, post
from .test_properties import CHANNELS, plans

BERLIN = RuleConfig(timezone="Europe/Berlin")


def _added(items: list[PlanItem], slot: datetime, channels, category, config: RuleConfig):  # type: ignore[no-untyped-def]
    """The new findings a whole check sees when the post goes in at `slot`."""
    judged = _slot_config(config)
    posts = [
        PlanItem(
            NEW_POST_ID if k == 0 else f"{NEW_POST_ID}-{k}",
            name,
            network,
            slot,
            category,
            "",
            group=NEW_POST_ID,
        )
        for k, (name, network) in enumerate(channels)
    ]
    before, after = Counter(check(items, judged)), Counter(check([*items, *posts], judged))
    return _new_findings(list((after - before).elements()), list((before - after).elements()))


def test_a_question_on_friday_afternoon_goes_to_monday_morning() -> None:
    now = at("2025-03-07 16:10", "Europe/Berlin")  # a Friday

    search = find_slots(
        [], BERLIN, channels=[("shop-fb", "facebook")], category=Category.ENGAGEMENT, after=now
    )

    # Saturday and Sunday have nobody on duty; Monday before 07:00 is quiet hours; from 07:00
    # a post has 4 staffed hours after it until 13:00.
    assert search.slots == (
        at("2025-03-10 07:00", "Europe/Berlin"),
        at("2025-03-10 09:00", "Europe/Berlin"),
        at("2025-03-10 11:00", "Europe/Berlin"),
    )


def test_slots_keep_the_channels_minimum_gap_and_skip_quiet_hours() -> None:
    now = at("2025-03-04 22:10", "Europe/Berlin")
    plan = [post(1, "2025-03-05 08:00", zone="Europe/Berlin")]  # facebook: 4 h apart

    search = find_slots(
        plan, BERLIN, channels=[("shop-fb", "facebook")], category=Category.CURATED, after=now
    )

    assert search.slots[0] == at("2025-03-05 12:00", "Europe/Berlin")
    assert all(7 <= s.hour < 22 for s in search.slots)


def test_a_promotion_is_not_put_next_to_another_promotion() -> None:
    now = at("2025-03-04 06:00", "Europe/Berlin")
    plan = [
        post(1, "2025-03-04 08:00", Category.PROMOTION, zone="Europe/Berlin"),
        post(2, "2025-03-04 20:00", Category.EDUCATIONAL, zone="Europe/Berlin"),
    ]

    search = find_slots(
        plan, BERLIN, channels=[("shop-fb", "facebook")], category=Category.PROMOTION, after=now
    )

    assert search.slots
    assert all(s > at("2025-03-04 20:00", "Europe/Berlin") for s in search.slots)


def test_every_slot_is_after_now_and_on_the_step() -> None:
    now = at("2025-03-05 10:07", "Europe/Berlin")

    search = find_slots(
        [], BERLIN, channels=[("news-x", "x")], category=Category.CURATED, after=now
    )

    assert search.slots[0] == at("2025-03-05 10:30", "Europe/Berlin")
    assert all(s.minute in (0, 30) for s in search.slots)


def test_a_channel_nobody_staffs_gets_no_slot_for_a_question() -> None:
    config = make_config(timezone="Europe/Berlin", staffed="none")

    search = find_slots(
        [],
        config,
        channels=[("news-x", "x")],
        category=Category.ENGAGEMENT,
        after=at("2025-03-05 10:00", "Europe/Berlin"),
    )

    assert search.slots == ()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    plan=plans(max_size=30),
    chosen=st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=2, unique=True),
    category=st.sampled_from([*Category, None]),
    start=st.integers(min_value=0, max_value=30 * 24 * 4),
    zone=st.sampled_from(["UTC", "Europe/Berlin", "America/New_York"]),
    staffed=st.sampled_from([None, "Mon-Sun 08:00-20:00", "Tue,Thu 10:00-12:00", "none"]),
)
def test_no_proposed_slot_adds_a_finding_the_whole_check_would_see(
    plan: list[PlanItem],
    chosen: list[tuple[str, str]],
    category: Category | None,
    start: int,
    zone: str,
    staffed: str | None,
) -> None:
    config = make_config(timezone=zone, staffed=staffed)
    now = datetime(2025, 3, 1, tzinfo=UTC) + timedelta(minutes=15 * start)

    search = find_slots(
        plan,
        config,
        channels=chosen,
        category=category,
        after=now,
        horizon=timedelta(days=4),
    )

    for slot in search.slots:
        assert slot > now
        assert slot.tzinfo == ZoneInfo(zone)
        assert _added(plan, slot, chosen, category, config) == []


def test_the_property_holds_for_a_config_with_other_thresholds() -> None:
    config = replace(
        make_config(
            timezone="Europe/Berlin",
            thresholds={"unstaffed-replies": {"min_staffed": "1h"}, "burst": {"above": 2}},
        )
    )
    plan = [
        post(k, f"2025-03-0{3 + k % 4} {9 + k % 8:02d}:00", zone="Europe/Berlin")
        for k in range(1, 12)
    ]
    search = find_slots(
        plan,
        config,
        channels=[("shop-fb", "facebook"), ("news-x", "x")],
        category=Category.ENGAGEMENT,
        after=at("2025-03-03 08:00", "Europe/Berlin"),
    )

    assert search.slots
    for slot in search.slots:
        assert (
            _added(
                plan, slot, [("shop-fb", "facebook"), ("news-x", "x")], Category.ENGAGEMENT, config
            )
            == []
        )
