"""rules.check_change: what one edit in the composer adds and clears."""

from collections import Counter
from dataclasses import replace
from datetime import date

from rules import Category, ChangeReport, PlanItem, RuleConfig, check, check_change

from .conftest import at, post

P, E, C = Category.PROMOTION, Category.EDUCATIONAL, Category.CURATED
BERLIN = RuleConfig(timezone="Europe/Berlin")


def plan() -> list[PlanItem]:
    return [
        post(1, "2025-03-03 09:00", P),
        post(2, "2025-03-04 09:00", E),
        post(3, "2025-03-05 09:00", P),
        post(4, "2025-03-06 09:00", C),
        post(5, "2025-03-12 09:00", E, channel="shop-ig", network="instagram"),
    ]


def full_diff(
    items: list[PlanItem], before: PlanItem | None, after: PlanItem | None
) -> ChangeReport:
    ids = {p.id for p in (before, after) if p is not None}
    others = [i for i in items if i.id not in ids]
    old = check([*others, *([before] if before else [])], BERLIN)
    new = check([*others, *([after] if after else [])], BERLIN)
    return ChangeReport(
        tuple((Counter(new) - Counter(old)).elements()),
        tuple((Counter(old) - Counter(new)).elements()),
    )


def same(report: ChangeReport, expected: ChangeReport) -> bool:
    return Counter(report.added) == Counter(expected.added) and Counter(report.cleared) == Counter(
        expected.cleared
    )


def test_recategorising_a_tip_as_a_promotion_starts_a_streak() -> None:
    items = plan()
    after = replace(items[1], category=P)

    report = check_change(items, items[1], after, BERLIN)

    streaks = [(f.post_ids, f.severity.value) for f in report.added if f.rule == "promotion-streak"]
    assert streaks == [((1, 2, 3), "error")]
    assert same(report, full_diff(items, items[1], after))


def test_moving_a_post_next_to_another_adds_too_close_and_clears_its_old_week() -> None:
    items = plan()
    after = replace(items[3], scheduled_at=at("2025-03-05 10:00"))

    report = check_change(items, items[3], after, BERLIN)

    assert [(f.rule, f.post_ids) for f in report.added if f.rule == "too-close"] == [
        ("too-close", (3, 4))
    ]
    assert same(report, full_diff(items, items[3], after))


def test_a_new_post_and_a_deleted_post_are_changes_too() -> None:
    items = plan()
    new = post(6, "2025-03-05 11:00", P)

    created = check_change(items, None, new, BERLIN)
    deleted = check_change(items, items[2], None, BERLIN)

    assert same(created, full_diff(items, None, new))
    assert same(deleted, full_diff(items, items[2], None))
    assert any(f.rule == "audience-overload" for f in created.added) is False
    assert {f.rule for f in created.added} >= {"too-close", "promotion-streak"}


def test_editing_only_the_text_reads_the_text_rules() -> None:
    items = plan()
    after = replace(items[1], text=items[0].text)

    report = check_change(items, items[1], after, BERLIN)

    assert [(f.rule, f.post_ids) for f in report.added] == [("duplicate-text", (1, 2))]
    assert report.cleared == ()


def test_moving_the_first_post_of_the_plan_says_nothing_of_other_channels_gaps() -> None:
    # shop-ig's first post is on 12 March; that the plan now starts on 4 March, not 3 March,
    # is no gap of shop-ig's (quiet-channel reads a channel's own first and last post).
    items = plan()
    after = replace(items[0], scheduled_at=at("2025-03-08 09:00"))

    report = check_change(items, items[0], after, BERLIN)

    assert same(report, full_diff(items, items[0], after))
    assert not any(f.rule == "quiet-channel" for f in (*report.added, *report.cleared))


def test_no_change_changes_nothing() -> None:
    items = plan()

    assert check_change(items, items[0], items[0], BERLIN) == ChangeReport((), ())


def test_a_post_moved_out_of_an_explicit_range_leaves_it() -> None:
    items = plan()
    config = RuleConfig(
        timezone="Europe/Berlin", range_start=date(2025, 3, 3), range_end=date(2025, 3, 9)
    )
    after = replace(items[1], scheduled_at=at("2025-04-01 09:00"))

    report = check_change(items, items[1], after, config)

    old = check(items, config)
    new = check([*(i for i in items if i.id != 2), after], config)
    assert Counter(report.added) == Counter(new) - Counter(old)
    assert Counter(report.cleared) == Counter(old) - Counter(new)
