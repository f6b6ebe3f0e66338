"""The classifier's quality on the labelled posts, measured on brands it was not trained on."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from rules import Category
from rules.classifier import MODEL
from rules.classifier.training import Example, cross_validate, grouped_folds, train

DATA = Path(__file__).resolve().parents[1] / "data" / "posts-labelled.csv"


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        return [
            Example(row["text"], Category(row["category"]), row["brand"])
            for row in csv.DictReader(handle)
        ]


def test_the_labelled_posts_cover_every_category_and_many_brands(examples: list[Example]) -> None:
    assert {e.category for e in examples} == set(Category)
    assert len({e.group for e in examples}) >= 20
    assert len(examples) >= 200


def test_no_brand_is_in_two_folds(examples: list[Example]) -> None:
    folds = grouped_folds(examples, 5)
    brands = [{examples[i].group for i in fold} for fold in folds]

    assert sum(len(b) for b in brands) == len(set().union(*brands))
    assert sorted(i for fold in folds for i in fold) == list(range(len(examples)))


def test_suggestions_meet_the_quality_bars_on_brands_left_out(examples: list[Example]) -> None:
    quality = cross_validate(examples, folds=5)

    print(f"\nclassifier, 5-fold cross-validation grouped by brand: {quality.report()}")
    assert quality.accuracy >= 0.80, quality.report()
    assert quality.family_accuracy >= 0.90, quality.report()
    assert quality.promotion_precision >= 0.90, quality.report()


def test_the_shipped_weights_are_what_the_training_script_makes(examples: list[Example]) -> None:
    model = train(examples)

    assert tuple(model.bias) == MODEL.bias
    assert dict(model.weights) == dict(MODEL.weights)
