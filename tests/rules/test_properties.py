"""Invariants of the engine, on plans that hypothesis makes up."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from random import Random
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules import PRESETS, Category, Finding, PlanItem, RuleConfig, check, check_change

BASE = datetime(2025, 3, 1, tzinfo=UTC)  # around the DST changes of March
CHANNELS = [("news-x", "x"), ("shop-fb", "facebook"), ("team-li", "linkedin")]
ZONES = ["UTC", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata", "Australia/Lord_Howe"]
TEXTS = [
    "Spring sale: 20% off everything with code SPRING20! Shop now example.com/shop",
    "Spring sale: 20% off everything with code SPRING20!! Shop now example.com/shop",
    "How to keep basil alive: water at the base and pinch the tops.",
    "What is your favourite walk near the shop? Tell us below.",
    "Thank you to everyone who came to the beach clean on Saturday!",
    "We are sorry: the app is down this morning. Updates here.",
    "A new study on soil health is worth a read: example.org/study",
    "x" * 290,
    "@alice Sorry to hear that! Can you DM us your order number? https://help.example.com/"
    "contact/support/orders?ref=x&lang=en",
    "@bob Thanks for the kind words!",
    "Spring sale \u2014 20 % off everything with code SPRING20; shop now: example.com/shop",
]
THREADS = [None, None, None, "launch", "tips"]
REPLY_TO = [None, None, None, "@carol", "https://example.social/@dan/1"]
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

minutes = st.integers(min_value=0, max_value=45 * 24 * 4).map(lambda q: q * 15)
# Now and then a minute or two after a quarter hour: parts of a thread posted together.
moments = st.tuples(minutes, st.sampled_from([0, 0, 0, 0, 1, 2, 3])).map(
    lambda m: BASE + timedelta(minutes=m[0] + m[1])
)


@st.composite
def items(draw: st.DrawFn, number: int) -> PlanItem:
    channel, network = draw(st.sampled_from(CHANNELS))
    moment = draw(moments)
    zone = draw(st.sampled_from(ZONES))
    return PlanItem(
        id=number,
        channel=channel,
        network=network,
        scheduled_at=moment.astimezone(ZoneInfo(zone)),
        category=draw(st.sampled_from([*Category, None])),
        text=draw(st.sampled_from(TEXTS)),
        reply_to=draw(st.sampled_from(REPLY_TO)),
        thread=draw(st.sampled_from(THREADS)),
    )


@st.composite
def plans(draw: st.DrawFn, max_size: int = 24) -> list[PlanItem]:
    size = draw(st.integers(min_value=0, max_value=max_size))
    return [draw(items(n)) for n in range(1, size + 1)]


@st.composite
def configs(draw: st.DrawFn) -> RuleConfig:
    ranged = draw(st.booleans())
    start = date(2025, 3, draw(st.integers(1, 20))) if ranged else None
    end = start + timedelta(days=draw(st.integers(0, 30))) if start else None
    return RuleConfig(
        preset=draw(st.sampled_from(list(PRESETS))),
        timezone=draw(st.sampled_from(ZONES)),
        range_start=start,
        range_end=end,
    )


def diff(old: list[Finding], new: list[Finding]) -> tuple[Counter[Finding], Counter[Finding]]:
    return Counter(new) - Counter(old), Counter(old) - Counter(new)


@SETTINGS
@given(plans(), configs())
def test_check_never_raises_and_every_finding_points_at_posts_of_the_plan(
    plan: list[PlanItem], config: RuleConfig
) -> None:
    findings = check(plan, config)

    ids = {p.id for p in plan}
    for finding in findings:
        assert set(finding.post_ids) <= ids
        assert finding.window_start <= finding.window_end or finding.rule == "quiet-channel"


@SETTINGS
@given(plans(), configs(), st.randoms(use_true_random=False))
def test_the_order_of_the_posts_never_changes_the_findings(
    plan: list[PlanItem], config: RuleConfig, shuffler: Random
) -> None:
    shuffled = plan[:]
    shuffler.shuffle(shuffled)

    assert check(shuffled, config) == check(plan, config)


changes = st.sampled_from(
    ["move", "recategorise", "retext", "rechannel", "create", "delete", "rethread", "reply"]
)


@st.composite
def edits(draw: st.DrawFn) -> tuple[list[PlanItem], PlanItem | None, PlanItem | None]:
    plan = draw(plans(max_size=20))
    kind = draw(changes)
    if kind == "create" or not plan:
        return plan, None, draw(items(len(plan) + 1))
    before = draw(st.sampled_from(plan))
    if kind == "delete":
        return plan, before, None
    if kind == "move":
        after = replace(before, scheduled_at=draw(moments))
    elif kind == "recategorise":
        after = replace(before, category=draw(st.sampled_from([*Category, None])))
    elif kind == "retext":
        after = replace(before, text=draw(st.sampled_from(TEXTS)))
    elif kind == "rethread":
        after = replace(before, thread=draw(st.sampled_from(THREADS)))
    elif kind == "reply":
        after = replace(before, reply_to=draw(st.sampled_from(REPLY_TO)))
    else:
        channel, network = draw(st.sampled_from(CHANNELS))
        after = replace(before, channel=channel, network=network)
    return plan, before, after


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits(), configs())
def test_the_composer_check_equals_checking_the_whole_plan_twice(
    edit: tuple[list[PlanItem], PlanItem | None, PlanItem | None], config: RuleConfig
) -> None:
    plan, before, after = edit
    others = [p for p in plan if p.id not in {q.id for q in (before, after) if q}]

    report = check_change(plan, before, after, config)

    added, cleared = diff(
        check([*others, *([before] if before else [])], config),
        check([*others, *([after] if after else [])], config),
    )
    assert Counter(report.added) == added
    assert Counter(report.cleared) == cleared


def _touches(finding: Finding, windows: list[tuple[datetime, datetime]]) -> bool:
    start, end = finding.window_start, finding.window_end
    return any(start <= high and low <= end for low, high in windows)


@SETTINGS
@given(plans(max_size=20), st.data(), st.sampled_from(ZONES))
def test_moving_one_post_changes_nothing_outside_the_windows_it_left_and_entered(
    plan: list[PlanItem], data: st.DataObject, zone: str
) -> None:
    if not plan:
        return
    config = RuleConfig(timezone=zone)
    moved = data.draw(st.sampled_from(plan))
    after = replace(moved, scheduled_at=data.draw(moments))
    new_plan = [after if p.id == moved.id else p for p in plan]

    added, cleared = diff(check(plan, config), check(new_plan, config))

    # The weeks left and entered, the cadence reach around both times (burst, gaps,
    # duplicate-text look-back), on the post's channel the span between its neighbours, and
    # when the post was or becomes the plan's first or last, the stretch the range moved by.
    reach = timedelta(days=7, hours=1)
    windows: list[tuple[datetime, datetime]] = []
    for edge in (min, max):
        old_edge, new_edge = (edge(p.scheduled_at for p in posts) for posts in (plan, new_plan))
        windows.append((min(old_edge, new_edge), max(old_edge, new_edge)))
    for moment, posts in ((moved.scheduled_at, plan), (after.scheduled_at, new_plan)):
        local = moment.astimezone(ZoneInfo(zone))
        monday = datetime.combine(
            local.date() - timedelta(days=local.weekday()), datetime.min.time(), ZoneInfo(zone)
        )
        windows.append((monday, monday + timedelta(days=7)))
        windows.append((moment - reach, moment + reach))
        same_channel = sorted(
            p.scheduled_at.astimezone(UTC) for p in posts if p.channel == moved.channel
        )
        earlier = [t for t in same_channel if t < moment] or [moment]
        later = [t for t in same_channel if t > moment] or [moment]
        windows.append((earlier[-1], later[0]))
    for finding in (*added, *cleared):
        assert _touches(finding, windows), finding
