"""brand-monologue and no-conversation over 4 weeks running and over a quiet channel's plan."""

from datetime import timedelta
from fractions import Fraction

from rules import Category, PlanItem, RuleConfig

from .conftest import at, brief, only, post

B, E, G = Category.BRAND, Category.EDUCATIONAL, Category.ENGAGEMENT


def weekly(
    per_week: int, weeks: int, category: Category = B, *, first_id: int = 1
) -> list[PlanItem]:
    """`per_week` posts a week (Monday, Wednesday, Friday at 09:00) on corp-li for `weeks`
    weeks from Monday 6 January 2025."""
    monday = at("2025-01-06 09:00")
    days = [0, 2, 4][:per_week]
    return [
        post(
            first_id + w * per_week + n,
            monday + timedelta(weeks=w, days=day),
            category,
            channel="corp-li",
            network="linkedin",
        )
        for w in range(weeks)
        for n, day in enumerate(days)
    ]


def test_three_posts_a_week_about_itself_for_eleven_weeks_is_one_monologue() -> None:
    items = weekly(3, 11)

    findings = only("brand-monologue", items)

    assert [brief(f)[:4] for f in findings] == [
        ("error", "corp-li", at("2025-01-06 00:00"), at("2025-03-24 00:00"))
    ]
    assert findings[0].post_ids == tuple(range(1, 34))
    assert (findings[0].measured, findings[0].threshold) == (Fraction(1), Fraction(2, 3))
    assert findings[0].message.startswith(
        "self posts (brand + promotion) are 33 of 33 (100%) on corp-li over the 11 weeks "
        "2025-W02 to 2025-W12"
    )
    # No single week reaches the weekly minimum of 4 posts.
    weekly_only = RuleConfig(thresholds={"brand-monologue": {"window_weeks": 0}})
    assert only("brand-monologue", items, weekly_only) == []


def test_three_posts_a_week_without_conversation_for_eleven_weeks_warn_once() -> None:
    findings = only("no-conversation", weekly(3, 11, E))

    assert [(f.severity.value, f.channel, f.window_start, f.window_end) for f in findings] == [
        ("warning", "corp-li", at("2025-01-06 00:00"), at("2025-03-24 00:00"))
    ]


def test_a_conversation_post_each_month_breaks_the_stretch() -> None:
    items = weekly(2, 8, E)
    items[5] = post(6, items[5].scheduled_at, G, channel="corp-li", network="linkedin")

    findings = only("no-conversation", items)

    # The engagement post is in week 3; the 4-week windows from week 4 on have none: one
    # warning for weeks 4 to 8.
    assert [(f.window_start, f.window_end) for f in findings] == [
        (at("2025-01-27 00:00"), at("2025-03-03 00:00"))
    ]


def test_a_channel_posting_once_a_week_is_judged_over_its_whole_plan() -> None:
    findings = only("brand-monologue", weekly(1, 10))

    assert [brief(f)[:4] for f in findings] == [
        ("error", "corp-li", at("2025-01-06 00:00"), at("2025-03-17 00:00"))
    ]
    assert "over the 10 weeks 2025-W02 to 2025-W11" in findings[0].message


def test_five_posts_are_too_few_for_the_whole_plan() -> None:
    assert only("brand-monologue", weekly(1, 5)) == []


def test_a_long_window_that_only_repeats_weekly_findings_is_left_out() -> None:
    # Six brand posts every week: every week already fails on its own.
    monday = at("2025-01-06 09:00")
    items = [
        post(w * 6 + n + 1, monday + timedelta(weeks=w, hours=12 * n), B)
        for w in range(6)
        for n in range(6)
    ]

    findings = only("brand-monologue", items)

    assert [(f.severity.value, f.window_end - f.window_start) for f in findings] == [
        ("error", timedelta(days=7))
    ] * 6


def test_a_mixed_channel_is_left_alone() -> None:
    items = weekly(3, 11, E)
    items = [
        post(p.id, p.scheduled_at, [B, E, G][p.id % 3], channel="corp-li", network="linkedin")
        for p in items
    ]

    assert only("brand-monologue", items) == []
    assert only("no-conversation", items) == []
