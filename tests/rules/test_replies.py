"""Replies answer one person: exempt from the cadence rules and duplicate-text, care in the mix."""

from fractions import Fraction

from rules import Category, PlanItem

from .conftest import at, brief, only, post

B = Category.BRAND
CANNED = "@{} Sorry to hear that! Please DM us your order number and we will look into it."


def reply(id: int, when: str, *, to: str = "ann", channel: str = "help-x") -> PlanItem:
    return post(id, when, None, channel=channel, network="x", text=CANNED.format(to))


def test_a_post_that_opens_with_a_mention_is_a_reply_and_a_dotted_mention_is_not() -> None:
    assert reply(1, "2025-03-03 09:00").is_reply
    assert post(2, "2025-03-03 09:00", text="  @ann thanks!").is_reply
    assert post(3, "2025-03-03 09:00", reply_to="https://x.com/ann/status/1").is_reply
    assert not post(4, "2025-03-03 09:00", text=".@ann is our guest on Friday").is_reply
    assert not post(5, "2025-03-03 09:00", text="Thanks @ann!").is_reply


def test_a_burst_of_replies_trips_no_cadence_rule() -> None:
    # Twelve answers in 55 minutes, late at night, with the same canned words.
    items = [reply(n, f"2025-03-03 23:{5 * (n - 1):02d}", to=f"user{n}") for n in range(1, 13)]

    for rule_id in ("too-close", "burst", "audience-overload", "quiet-hours", "duplicate-text"):
        assert only(rule_id, items) == [], rule_id


def test_the_same_burst_as_broadcasts_trips_them() -> None:
    items = [
        post(n, f"2025-03-03 23:{5 * (n - 1):02d}", channel="help-x", network="x", text="Hello!")
        for n in range(1, 13)
    ]

    for rule_id in ("too-close", "burst", "audience-overload", "quiet-hours", "duplicate-text"):
        assert only(rule_id, items) != [], rule_id


def test_replies_count_as_care_whatever_their_category() -> None:
    # Three brand posts and two replies tagged brand: 3 self of 5, not 5 of 5.
    items = [
        post(n, f"2025-03-0{n + 2} 09:00", B, channel="shop-x", network="x") for n in (1, 2, 3)
    ]
    items += [
        post(4, "2025-03-06 09:00", B, channel="shop-x", network="x", text="@ann Fixed now!"),
        post(5, "2025-03-07 09:00", B, channel="shop-x", network="x", reply_to="@bob"),
    ]

    findings = only("brand-monologue", items)

    week = (at("2025-03-03 00:00"), at("2025-03-10 00:00"))
    assert [brief(f) for f in findings] == [
        ("warning", "shop-x", *week, (1, 2, 3), Fraction(3, 5), Fraction(1, 2))
    ]
    assert only("no-conversation", items) == []


def test_a_reply_still_keeps_a_channel_from_looking_abandoned() -> None:
    items = [
        post(1, "2025-03-03 09:00", channel="help-x", network="x"),
        reply(2, "2025-03-05 09:00"),
        post(3, "2025-03-07 09:00", channel="help-x", network="x"),
    ]

    assert only("quiet-channel", items) == []


def test_a_long_reply_is_still_measured() -> None:
    item = post(1, "2025-03-03 09:00", channel="help-x", network="x", text="@ann " + "a" * 280)

    assert [f.measured for f in only("too-long", [item])] == [285]
