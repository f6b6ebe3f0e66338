"""Retrain the category classifier and write its weights.

    .venv/bin/python scripts/train_classifier.py

Reads the real brand posts (data/real-posts.csv) and the posts written for the tests
(tests/data/posts-labelled.csv). First it measures the recipe the way bench/classifier.py
does: trained on the real posts' train split (organisations chosen by
`rules.classifier.training.split_by_group`) and the written posts, measured on the real test
split, which it never trained on. Then it trains on every post (the shipped model: more real
posts, better on brands it has not seen), calibrates its confidence on the real posts'
out-of-fold scores, and writes rules/classifier/weights.json. Deterministic: the same data
gives the same weights.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from rules.classifier.training import (
    Example,
    holdout,
    is_real,
    real_examples,
    split_by_group,
    train,
    weights_json,
    written_examples,
)

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "data" / "real-posts.csv"
WRITTEN = ROOT / "tests" / "data" / "posts-labelled.csv"
WEIGHTS = ROOT / "rules" / "classifier" / "weights.json"


def rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def training_data() -> tuple[list[Example], list[Example]]:
    """(real posts, written posts)."""
    return real_examples(rows(REAL)), written_examples(rows(WRITTEN))


def main() -> int:
    real, written = training_data()
    train_split, test_split = split_by_group(real)
    quality = holdout([*train_split, *written], test_split, calibrate_on=is_real)
    measured = (
        f"trained on the train split ({len(train_split)} real posts) and {len(written)} "
        f"written posts, measured on the real test split: {quality.report()}"
    )
    print(measured)
    model = train([*real, *written], calibrate_on=is_real)
    trained_on = (
        f"{len(real)} real posts of {REAL.relative_to(ROOT)} and {len(written)} written posts "
        f"of {WRITTEN.relative_to(ROOT)}; temperature and abstention threshold from the real "
        "posts' out-of-fold scores"
    )
    WEIGHTS.write_text(weights_json(model, trained_on=trained_on, quality=measured))
    print(
        f"wrote {WEIGHTS.relative_to(ROOT)}: {len(model.weights)} features, temperature "
        f"{model.temperature}, abstains below {model.abstain_below}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
