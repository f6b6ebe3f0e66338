"""no-conversation: a week without engagement, community or care."""

from rules import Category

from .conftest import at, brief, only, week_of

B, P, E, C, CARE = (
    Category.BRAND,
    Category.PROMOTION,
    Category.EDUCATIONAL,
    Category.CURATED,
    Category.CARE,
)
WEEK = (at("2025-03-03 00:00"), at("2025-03-10 00:00"))


def test_a_channel_week_of_four_posts_without_conversation_warns() -> None:
    findings = only("no-conversation", week_of([B, P, E, C]))

    assert [brief(f) for f in findings] == [
        ("warning", "shop-fb", *WEEK, (1, 2, 3, 4), 0, 1),
    ]
    assert findings[0].message == (
        "no conversation post (engagement, community, care) among 4 posts on shop-fb in 2025-W10"
    )


def test_one_care_post_is_enough() -> None:
    assert only("no-conversation", week_of([B, P, E, CARE])) == []


def test_a_workspace_week_of_six_posts_warns_and_of_seven_fails() -> None:
    six = week_of([B, P, E], channel="a") + week_of([B, C, E], channel="b", first_id=4)
    seven = six + week_of([C], channel="c", start="2025-03-07 09:00", first_id=7)

    assert [(f.severity.value, f.channel) for f in only("no-conversation", six)] == [
        ("warning", None)
    ]
    assert [brief(f) for f in only("no-conversation", seven)] == [
        ("error", None, *WEEK, (1, 4, 2, 5, 3, 6, 7), 0, 1),
    ]


def test_a_week_of_three_posts_is_too_small_to_judge() -> None:
    assert only("no-conversation", week_of([B, P, E])) == []
