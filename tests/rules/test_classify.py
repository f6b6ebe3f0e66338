"""rules.classify: a suggested category with readable signals."""

from __future__ import annotations

import time

import pytest

from rules import Category, classify
from rules.classifier import SIGNALS, Suggestion, offer_candidates, offers_in, signals_of


@pytest.mark.parametrize(
    ("text", "category", "signal"),
    [
        (
            "Use code SPRING20 for 20% off all notebooks until Sunday. Shop now: example.com/shop",
            Category.PROMOTION,
            "mentions a discount code",
        ),
        (
            "What's your favourite hiking trail near the city? Tell us below 👇",
            Category.ENGAGEMENT,
            "asks for the reader's opinion or story",
        ),
        (
            "We're sorry: the app is down this morning. Our engineers are on it; DM us if you "
            "need help and we'll post updates here.",
            Category.CARE,
            "apologises",
        ),
        (
            "How to keep basil alive: water it at the base, pinch off the tops and keep it in "
            "bright light.",
            Category.EDUCATIONAL,
            "shares a tip or a how-to",
        ),
        (
            "Huge thanks to @maria.bakes for sharing this photo of her sourdough made with our "
            "flour! #repost",
            Category.COMMUNITY,
            "thanks someone",
        ),
        (
            "A new study from the National Soil Institute finds cover crops double earthworm "
            "counts. Worth a read: https://example.org/soil-study",
            Category.CURATED,
            "cites an outside study, report or article",
        ),
        (
            "Big news: we're opening our second bakery in Eastgate this summer, and we're hiring "
            "bakers!",
            Category.BRAND,
            "announces news about the company",
        ),
    ],
)
def test_a_typical_post_of_each_category_is_recognised_and_explained(
    text: str, category: Category, signal: str
) -> None:
    suggestion = classify(text)

    assert suggestion.category is category
    assert 0 < suggestion.confidence <= 1
    assert signal in suggestion.signals


def test_signals_are_sentences_a_person_can_read() -> None:
    for signal in SIGNALS.values():
        # "mentions a discount code": a verb phrase that follows "this post ...".
        assert signal.label[0].islower() and signal.label.split()[0].endswith("s")
        assert not signal.label.endswith(".")


def test_the_signals_offered_speak_for_the_suggestion() -> None:
    suggestion = classify("Use code SPRING20 for 20% off. Shop now! Which colour is yours?")

    assert suggestion.category is Category.PROMOTION
    assert {"mentions a discount code", "gives a percentage off"} <= set(suggestion.signals)
    assert "asks the reader a question" not in suggestion.signals


@pytest.mark.parametrize(
    ("text", "offers"),
    [
        ("Only $12 this week", ["mentions a price"]),
        ("Everything is 20% off", ["gives a percentage off"]),
        ("Save up to 15% on all tents", ["gives a percentage off"]),
        ("Take $100 off any bike", ["mentions a price", "takes money off a price"]),
        ("Use code WRAP20 at checkout", ["mentions a discount code"]),
        ("62% of freelancers were paid late last year", []),
        ("Your code is not working? Update the app", []),
    ],
)
def test_offers_are_prices_price_cuts_and_codes(text: str, offers: list[str]) -> None:
    assert [s.label for s in offers_in(text)] == offers
    assert [s.label for s in signals_of(text) if s.offer] == offers


def test_a_text_with_an_offer_always_passes_the_cheap_first_look() -> None:
    texts = ["Only $12", "20% off", "Save €5", "£3 a box", "Use code WRAP20 for 10% off", "hi"]

    assert offer_candidates(texts) == [0, 1, 2, 3, 4]


def test_links_are_not_read_as_words() -> None:
    # A shop's domain must not decide a category; the link counts as a link.
    suggestion = classify("example.com/quiz")

    assert isinstance(suggestion, Suggestion)
    assert "w:example" not in str(suggestion)


def test_classify_is_fast_enough_for_every_pause_in_typing() -> None:
    texts = [
        f"Tip {n}: keep your knives sharp and your boards dry, {n} times a week."
        for n in range(200)
    ]
    started = time.perf_counter()
    for text in texts:
        classify(text)
    per_text = (time.perf_counter() - started) / len(texts)

    assert per_text < 0.005
