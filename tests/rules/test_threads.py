"""Threads: one post in the mix, never too close or a burst."""

from fractions import Fraction

from rules import Category

from .conftest import at, brief, only, post

B, E, G = Category.BRAND, Category.EDUCATIONAL, Category.ENGAGEMENT
WEEK = (at("2025-03-03 00:00"), at("2025-03-10 00:00"))


def thread(first_id: int, when: str, parts: int, category: Category, key: str | None) -> list:
    """A thread of `parts` posts 30 seconds apart on shop-x."""
    start = at(when)
    return [
        post(
            first_id + n,
            start.replace(second=30 * n % 60, minute=start.minute + 30 * n // 60),
            category,
            channel="shop-x",
            network="x",
            thread=key,
        )
        for n in range(parts)
    ]


def test_a_thread_is_never_too_close_nor_a_burst() -> None:
    items = thread(1, "2025-03-03 09:00", 6, E, "how-to")

    assert only("too-close", items) == []
    assert only("burst", items) == []
    assert only("audience-overload", items) == []


def test_posts_within_two_minutes_are_a_thread_without_a_key() -> None:
    items = thread(1, "2025-03-03 09:00", 6, E, None)

    assert only("too-close", items) == []
    assert only("burst", items) == []


def test_a_post_after_a_thread_is_too_close_to_its_last_part() -> None:
    items = [*thread(1, "2025-03-03 09:00", 3, E, "how-to")]
    items.append(post(4, "2025-03-03 09:30", E, channel="shop-x", network="x"))

    findings = only("too-close", items)

    assert [f.post_ids for f in findings] == [(3, 4)]


def test_a_thread_counts_once_in_the_mix_as_its_first_posts_category() -> None:
    # A 5-part engagement thread and 3 brand posts: 3 self units of 4, not 3 of 8.
    items = thread(1, "2025-03-03 09:00", 5, G, "ask")
    items[1:] = [
        post(p.id, p.scheduled_at, B, channel="shop-x", network="x", thread="ask")
        for p in items[1:]
    ]
    items += [
        post(n, f"2025-03-0{n - 2} 12:00", B, channel="shop-x", network="x") for n in (6, 7, 8)
    ]

    findings = only("brand-monologue", items)

    assert [brief(f) for f in findings] == [
        ("error", "shop-x", *WEEK, (6, 7, 8), Fraction(3, 4), Fraction(2, 3))
    ]
    assert only("no-conversation", items) == []


def test_two_keys_two_threads_even_when_close() -> None:
    first = thread(1, "2025-03-03 09:00", 2, E, "one")
    second = thread(3, "2025-03-03 09:01", 2, E, "two")

    assert [f.post_ids for f in only("too-close", first + second)] == [(2, 3)]
