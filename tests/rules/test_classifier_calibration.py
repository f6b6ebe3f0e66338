"""The classifier's confidence means what it says, and it abstains when unsure."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from rules import Category, classify
from rules.classifier import MODEL, suggest, suggest_many
from rules.classifier.model import Suggestion
from rules.classifier.training import (
    abstention_threshold,
    expected_calibration_error,
    fit_temperature,
    measure,
)

UNSURE = "Hello."
SURE = "@user123 Sorry to hear that! Can you DM us your order number so we can help?"


def test_an_unsure_suggestion_abstains_but_keeps_its_best_guess() -> None:
    suggestion = classify(UNSURE)

    assert suggestion.abstained
    assert isinstance(suggestion.category, Category)
    assert suggestion.confidence < MODEL.abstain_below


def test_a_sure_suggestion_does_not_abstain() -> None:
    suggestion = classify(SURE)

    assert not suggestion.abstained
    assert suggestion.confidence >= MODEL.abstain_below


def test_the_threshold_decides_abstention_and_the_guess_stays_the_same() -> None:
    always = dataclasses.replace(MODEL, abstain_below=1.01)
    never = dataclasses.replace(MODEL, abstain_below=0.0)

    for text in (UNSURE, SURE):
        assert suggest(text, always).abstained
        assert not suggest(text, never).abstained
        assert suggest(text, always).category is suggest(text, never).category


def test_a_higher_temperature_lowers_confidence_but_not_the_guess() -> None:
    hot = dataclasses.replace(MODEL, temperature=MODEL.temperature * 3)

    cool, warm = suggest(SURE), suggest(SURE, hot)

    assert warm.category is cool.category
    assert warm.confidence < cool.confidence


def test_many_texts_at_once_get_the_suggestions_of_one_at_a_time() -> None:
    texts = [SURE, UNSURE, "What's your favourite trail? Tell us below 👇", SURE]

    assert suggest_many(texts) == [suggest(t) for t in texts]


def test_the_temperature_fitted_recovers_how_overconfident_scores_are() -> None:
    # Labels drawn from softmax(scores / 2): scores twice as sharp as they should be.
    rng = np.random.default_rng(7)
    scores = rng.normal(0, 3, size=(4000, 7))
    shifted = np.exp(scores / 2 - (scores / 2).max(axis=1, keepdims=True))
    probabilities = shifted / shifted.sum(axis=1, keepdims=True)
    labels = np.array([rng.choice(7, p=p) for p in probabilities])

    assert fit_temperature(scores, labels) == pytest.approx(2.0, rel=0.1)


def test_the_abstention_threshold_leaves_the_share_asked_for_answered() -> None:
    confidences = np.linspace(0.05, 1.0, 200)

    threshold = abstention_threshold(confidences, coverage=0.85)

    assert np.mean(confidences >= threshold) == pytest.approx(0.85, abs=0.01)
    assert abstention_threshold(confidences, coverage=1.0) == 0.0


def test_calibration_error_is_the_gap_between_confidence_and_accuracy() -> None:
    # Nine in ten right at confidence 0.9: calibrated. Half right at 0.9: a gap of 0.4.
    assert expected_calibration_error([(0.9, True)] * 9 + [(0.9, False)]) == pytest.approx(0)
    assert expected_calibration_error([(0.9, True), (0.9, False)]) == pytest.approx(0.4)


def test_abstentions_count_against_coverage_and_recall_not_against_precision() -> None:
    def said(category: Category, abstained: bool = False) -> Suggestion:
        return Suggestion(category, 0.9, (), abstained)

    pairs = [
        (Category.PROMOTION, said(Category.PROMOTION)),
        (Category.PROMOTION, said(Category.PROMOTION, abstained=True)),
        (Category.BRAND, said(Category.PROMOTION)),
        (Category.CARE, said(Category.CARE)),
    ]

    quality = measure(pairs)

    assert quality.coverage == 0.75
    assert quality.accuracy == pytest.approx(2 / 3)
    assert quality.family_accuracy == 1.0
    assert quality.accuracy_counting_abstentions == 0.5
    assert quality.promotion_precision == 0.5
    assert quality.promotion_recall == 0.5
