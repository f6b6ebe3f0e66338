"""Retrain the category classifier on the labelled posts and write its weights.

    .venv/bin/python scripts/train_classifier.py [tests/data/posts-labelled.csv]

Reads a CSV with columns id,brand,network,category,text; measures the model with 5-fold
cross-validation grouped by brand (no brand is in both the training and the measured fold);
trains on every post; writes rules/classifier/weights.json and prints the figures.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from rules.classifier.training import Example, cross_validate, train, weights_json
from rules.model import Category

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT / "tests" / "data" / "posts-labelled.csv"
WEIGHTS = ROOT / "rules" / "classifier" / "weights.json"


def load(path: Path) -> list[Example]:
    """The labelled posts of a CSV file."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Example(row["text"], Category(row["category"]), row["brand"])
            for row in csv.DictReader(handle)
        ]


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT_DATA
    examples = load(path)
    quality = cross_validate(examples, folds=5)
    print(f"cross-validation (5 folds, grouped by brand): {quality.report()}")
    model = train(examples)
    trained_on = f"{len(examples)} posts of {path.name}"
    WEIGHTS.write_text(weights_json(model, trained_on=trained_on, quality=quality))
    print(f"wrote {WEIGHTS.relative_to(ROOT)}: {len(model.weights)} features")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
