"""Training and measuring the classifier: pure functions over labelled texts.

`scripts/train_classifier.py` reads the labelled posts, calls `train`, and writes the weights
with `weights_json`; the quality test calls `cross_validate` so the figures it checks come
from posts the model did not see.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rules.classifier.model import CATEGORIES, Model, Suggestion, suggest
from rules.classifier.signals import features_of
from rules.model import Category


@dataclass(frozen=True)
class Example:
    """One labelled post. `group` keeps posts of one brand in the same fold."""

    text: str
    category: Category
    group: str = ""


@dataclass(frozen=True)
class Settings:
    """Training settings; the defaults are what the shipped weights were trained with."""

    epochs: int = 40
    rate: float = 0.2
    l2: float = 0.002
    min_count: int = 2
    seed: int = 7


def train(examples: Sequence[Example], settings: Settings = Settings()) -> Model:
    """Fit a multinomial logistic regression by stochastic gradient descent (deterministic)."""
    rows = [features_of(e.text)[0] for e in examples]
    counts = Counter(name for row in rows for name in set(row))
    vocabulary = sorted(
        name for name, n in counts.items() if name.startswith("s:") or n >= settings.min_count
    )
    index = {name: i for i, name in enumerate(vocabulary)}
    encoded = [[index[n] for n in dict.fromkeys(row) if n in index] for row in rows]
    targets = [CATEGORIES.index(e.category) for e in examples]
    k = len(CATEGORIES)
    weights = [[0.0] * k for _ in vocabulary]
    bias = [0.0] * k
    order = list(range(len(examples)))
    rng = random.Random(settings.seed)
    for epoch in range(settings.epochs):
        rng.shuffle(order)
        rate = settings.rate / (1 + epoch * 0.1)
        decay = 1 - rate * settings.l2
        for i in order:
            active = encoded[i]
            totals = bias[:]
            for f in active:
                row = weights[f]
                for c in range(k):
                    totals[c] += row[c]
            top = max(totals)
            exps = [math.exp(t - top) for t in totals]
            whole = sum(exps)
            gradient = [e / whole for e in exps]
            gradient[targets[i]] -= 1.0
            for f in active:
                row = weights[f]
                for c in range(k):
                    row[c] = row[c] * decay - rate * gradient[c]
            for c in range(k):
                bias[c] -= rate * gradient[c]
    return Model(
        tuple(round(b, 4) for b in bias),
        {
            name: tuple(round(w, 4) for w in weights[i])
            for name, i in index.items()
            if any(abs(w) >= 0.0005 for w in weights[i])
        },
    )


@dataclass(frozen=True)
class Quality:
    """How well suggestions match labels on posts the model did not see."""

    accuracy: float
    family_accuracy: float
    promotion_precision: float
    promotion_recall: float
    count: int
    confusion: dict[tuple[Category, Category], int]

    def report(self) -> str:
        """The figures on one line."""
        return (
            f"category accuracy {self.accuracy:.3f}, family accuracy "
            f"{self.family_accuracy:.3f}, promotion precision {self.promotion_precision:.3f}, "
            f"promotion recall {self.promotion_recall:.3f} over {self.count} posts"
        )


def measure(pairs: Sequence[tuple[Category, Suggestion]]) -> Quality:
    """Compare labels with suggestions."""
    confusion: Counter[tuple[Category, Category]] = Counter(
        (label, s.category) for label, s in pairs
    )
    total = len(pairs)
    right = sum(n for (label, guess), n in confusion.items() if label is guess)
    family = sum(n for (label, guess), n in confusion.items() if label.family is guess.family)
    predicted = sum(n for (_, guess), n in confusion.items() if guess is Category.PROMOTION)
    actual = sum(n for (label, _), n in confusion.items() if label is Category.PROMOTION)
    hits = confusion[(Category.PROMOTION, Category.PROMOTION)]
    return Quality(
        accuracy=right / total if total else 0.0,
        family_accuracy=family / total if total else 0.0,
        promotion_precision=hits / predicted if predicted else 0.0,
        promotion_recall=hits / actual if actual else 0.0,
        count=total,
        confusion=dict(confusion),
    )


def grouped_folds(examples: Sequence[Example], folds: int) -> list[list[int]]:
    """Split example indices into folds, whole groups (brands) at a time, deterministically."""
    groups = sorted({e.group for e in examples})
    buckets: list[list[int]] = [[] for _ in range(folds)]
    for position, group in enumerate(groups):
        bucket = buckets[position % folds]
        bucket.extend(i for i, e in enumerate(examples) if e.group == group)
    return [b for b in buckets if b]


def cross_validate(
    examples: Sequence[Example],
    folds: int = 5,
    settings: Settings = Settings(),
    trainer: Callable[[Sequence[Example], Settings], Model] = train,
) -> Quality:
    """Train on all folds but one, suggest on the one left out, for each fold in turn."""
    pairs: list[tuple[Category, Suggestion]] = []
    for held_out in grouped_folds(examples, folds):
        left_out = set(held_out)
        model = trainer([e for i, e in enumerate(examples) if i not in left_out], settings)
        pairs.extend((examples[i].category, suggest(examples[i].text, model)) for i in held_out)
    return measure(pairs)


def weights_json(model: Model, *, trained_on: str, quality: Quality | None) -> str:
    """The shipped weights file (rules/classifier/weights.json): one feature per line, so a
    retraining shows as a readable diff."""
    data = model.to_json(
        trained_on=trained_on,
        quality=f"grouped cross-validation: {quality.report()}" if quality else None,
    )
    weights = data.pop("weights")
    assert isinstance(weights, dict)
    lines = ["{"]
    lines += [
        f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},"
        for key, value in data.items()
    ]
    lines.append('  "weights": {')
    rows = [
        f"    {json.dumps(name, ensure_ascii=False)}: {json.dumps(row)}"
        for name, row in weights.items()
    ]
    lines.append(",\n".join(rows))
    lines += ["  }", "}", ""]
    return "\n".join(lines)
