"""The classifier's model: a multinomial logistic regression over the signals and the words
of a text, with its weights read from `weights.json` (written by scripts/train_classifier.py).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib import resources

from rules.classifier.signals import _SPECS, Signal, _hits, _read
from rules.model import Category

CATEGORIES: tuple[Category, ...] = tuple(Category)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A suggested category, how sure the model is (0 to 1), and the signals behind it."""

    category: Category
    confidence: float
    signals: tuple[str, ...]


@dataclass(frozen=True)
class Model:
    """Multinomial logistic regression: a bias and a weight per category for each feature
    ("s:<signal id>" or "w:<word>")."""

    bias: tuple[float, ...]
    weights: Mapping[str, tuple[float, ...]]

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Model:
        """A model from the JSON that `to_json` writes."""
        columns = data["categories"]
        if columns != [c.value for c in CATEGORIES]:
            raise ValueError(f"weights are for categories {columns}, not {list(CATEGORIES)}")
        weights = data["weights"]
        assert isinstance(weights, dict)
        return cls(tuple(data["bias"]), {k: tuple(v) for k, v in weights.items()})  # type: ignore[arg-type]

    def to_json(self, **about: object) -> dict[str, object]:
        """The weights as JSON data, with `about` (what it was trained on, its figures)."""
        return {
            **about,
            "categories": [c.value for c in CATEGORIES],
            "bias": list(self.bias),
            "weights": {name: list(self.weights[name]) for name in sorted(self.weights)},
        }

    def probabilities(self, features: Iterable[str]) -> list[float]:
        """The categories' probabilities, in `CATEGORIES` order."""
        weights = self.weights
        return self._softmax([weights[name] for name in features if name in weights])

    @cached_property
    def _signal_rows(self) -> dict[str, tuple[float, ...]]:
        return {k[2:]: row for k, row in self.weights.items() if k.startswith("s:")}

    @cached_property
    def _word_rows(self) -> dict[str, tuple[float, ...]]:
        return {k[2:]: row for k, row in self.weights.items() if k.startswith("w:")}

    def probabilities_of(self, signals: Iterable[Signal], words: Iterable[str]) -> list[float]:
        """`probabilities` of a text's signals and words (its features, without naming
        them)."""
        signal_rows, word_rows = self._signal_rows, self._word_rows
        rows = [signal_rows[s.id] for s in signals if s.id in signal_rows]
        rows += [word_rows[w] for w in word_rows.keys() & set(words)]
        return self._softmax(rows)

    def _softmax(self, rows: list[tuple[float, ...]]) -> list[float]:
        totals = list(self.bias)
        if rows:
            columns = zip(*rows, strict=True)
            totals = [b + sum(column) for b, column in zip(totals, columns, strict=True)]
        top = max(totals)
        exps = [math.exp(t - top) for t in totals]
        whole = sum(exps)
        return [e / whole for e in exps]


def load_model(name: str = "weights.json") -> Model:
    """The model shipped with the package (data, read with importlib.resources)."""
    data = json.loads(resources.files("rules.classifier").joinpath(name).read_text("utf-8"))
    return Model.from_json(data)


MODEL = load_model()


def suggest(text: str, model: Model = MODEL) -> Suggestion:
    """The suggestion for one text under a given model (training and tests pass their own)."""
    lowered, words, found = _read(text)
    signals = tuple(_SPECS[n].signal for n in sorted(_hits(text, lowered, words, found)))
    probabilities = model.probabilities_of(signals, words)
    best = max(range(len(CATEGORIES)), key=probabilities.__getitem__)
    supporting = []
    for signal in signals:
        row = model.weights.get(f"s:{signal.id}")
        if row is None:
            continue
        # How much this signal favours the suggestion over the average category.
        lift = row[best] - sum(row) / len(row)
        if lift > 0:
            supporting.append((-lift, signal.label))
    supporting.sort()
    return Suggestion(
        CATEGORIES[best],
        round(probabilities[best], 2),
        tuple(label for _, label in supporting),
    )
