"""duplicate-text: the same or nearly the same text twice on one channel."""

from datetime import timedelta
from fractions import Fraction

from rules import RuleConfig

from .conftest import at, brief, only, post

SALE = "Our spring sale ends on Sunday: every notebook and pen in the shop is 20% off!"


def test_the_same_text_two_days_apart_fails() -> None:
    items = [post(1, "2025-03-03 09:00", text=SALE), post(2, "2025-03-05 09:00", text=SALE)]

    findings = only("duplicate-text", items)

    assert [brief(f) for f in findings] == [
        (
            "error",
            "shop-fb",
            at("2025-03-03 09:00"),
            at("2025-03-05 09:00"),
            (1, 2),
            timedelta(days=2),
            timedelta(days=3),
        )
    ]
    assert findings[0].message.startswith("the same text twice on shop-fb, 2 days apart")


def test_the_same_text_five_days_apart_warns() -> None:
    items = [post(1, "2025-03-03 09:00", text=SALE), post(2, "2025-03-08 09:00", text=SALE)]

    findings = only("duplicate-text", items)

    assert [(f.severity.value, f.measured, f.threshold) for f in findings] == [
        ("warning", timedelta(days=5), timedelta(days=7))
    ]


def test_a_near_copy_with_one_word_changed_warns_even_the_next_day() -> None:
    near = SALE.replace("Sunday", "Monday")
    items = [post(1, "2025-03-03 09:00", text=SALE), post(2, "2025-03-04 09:00", text=near)]

    findings = only("duplicate-text", items)

    # 15 words in common out of 17 different words.
    assert [(f.severity.value, f.post_ids) for f in findings] == [("warning", (1, 2))]
    assert "nearly the same text (88% of words shared)" in findings[0].message


def test_case_and_spacing_do_not_make_a_text_new() -> None:
    shouted = SALE.replace("20% off!", "20%  OFF!")
    items = [post(1, "2025-03-03 09:00", text=SALE), post(2, "2025-03-04 09:00", text=shouted)]

    findings = only("duplicate-text", items)

    assert [(f.severity.value, f.measured) for f in findings] == [("error", timedelta(days=1))]


def test_eight_days_apart_is_far_enough() -> None:
    items = [post(1, "2025-03-03 09:00", text=SALE), post(2, "2025-03-11 09:00", text=SALE)]

    assert only("duplicate-text", items) == []


def test_the_same_text_on_two_channels_is_fine() -> None:
    items = [
        post(1, "2025-03-03 09:00", text=SALE),
        post(2, "2025-03-03 09:00", text=SALE, channel="shop-ig", network="instagram"),
    ]

    assert only("duplicate-text", items) == []


def test_texts_that_share_only_an_opening_are_not_duplicates() -> None:
    other = SALE[:45] + " and we restock the fountain pens on Tuesday morning."
    items = [post(1, "2025-03-03 09:00", text=SALE), post(2, "2025-03-04 09:00", text=other)]

    assert only("duplicate-text", items) == []


def test_each_post_is_reported_once_against_its_strongest_match() -> None:
    near = SALE.replace("Sunday", "Monday")
    items = [
        post(1, "2025-03-03 09:00", text=SALE),
        post(2, "2025-03-05 09:00", text=near),
        post(3, "2025-03-06 09:00", text=SALE),
    ]

    findings = only("duplicate-text", items)

    # Post 3 is nearer to post 2 (a near copy) but identical to post 1 within 3 days.
    assert [(f.post_ids, f.severity.value) for f in findings] == [
        ((1, 2), "warning"),
        ((1, 3), "error"),
    ]


def test_the_similarity_needed_is_a_setting() -> None:
    near = SALE.replace("Sunday", "Monday")
    items = [post(1, "2025-03-03 09:00", text=SALE), post(2, "2025-03-04 09:00", text=near)]
    strict = RuleConfig(thresholds={"duplicate-text": {"similarity": Fraction(9, 10)}})

    assert only("duplicate-text", items, strict) == []


def test_texts_that_differ_only_in_punctuation_case_dashes_and_quotes_are_the_same() -> None:
    items = [
        post(1, "2025-03-03 09:00", text='Our "spring sale" ends Sunday - don\'t miss it!'),
        post(2, "2025-03-04 09:00", text="our “Spring Sale” ends sunday — don’t miss it."),
    ]

    findings = only("duplicate-text", items)

    assert [(f.severity.value, f.post_ids) for f in findings] == [("error", (1, 2))]
    assert findings[0].message.startswith("the same text twice on shop-fb")


def test_canned_replies_are_not_duplicates() -> None:
    text = "@{} Sorry to hear that! Please DM us your order number."
    items = [
        post(1, "2025-03-03 09:00", text=text.format("ann")),
        post(2, "2025-03-03 11:00", text=text.format("bob")),
    ]

    assert only("duplicate-text", items) == []
