"""The classifier's model and the suggestion it makes.

A multinomial logistic regression over three kinds of features of a text:

- its signals (`signals.py`: "asks the reader a question", "answers someone directly"),
- its words (lowercased, numbers as "0", links and handles out),
- its sentence vector (`embedding.py`: WordLlama's token embeddings, averaged),

with a temperature that calibrates its confidence and a threshold below which it abstains.
The weights are data, `weights.json`, written by scripts/train_classifier.py and read with
importlib.resources.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from rules.classifier.embedding import DIMENSIONS, MODEL_NAME, embedder
from rules.classifier.signals import Signal, read
from rules.model import Category

CATEGORIES: tuple[Category, ...] = tuple(Category)
# Signals the model never weighs: 75-85 % of real brand, promotion and engagement posts carry
# a link and tag someone, so a link or an @mention says nothing about what a post does. What
# does (an RT, "via", a reply, a shop link) has its own signal.
UNWEIGHED = frozenset({"link", "mentions-account"})
# Wording that speaks for a category this much more than for the average one is named among
# the signals ("its wording reads like care posts").
WORDING_LIFT = 1.0


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A suggested category, how sure the model is (0 to 1, calibrated), the signals behind
    it, and whether the model abstains.

    When it abstains, `category` is still its best guess (so callers that need a category
    have one) but it is too unsure to fill the category in on its own.
    """

    category: Category
    confidence: float
    signals: tuple[str, ...]
    abstained: bool = False


@dataclass(frozen=True)
class Model:
    """The weights: a bias and one row per feature ("s:<signal id>", "w:<word>"), each with a
    weight per category in `CATEGORIES` order; a 256 x 7 matrix for the sentence vector; the
    temperature the scores are divided by; the confidence below which the model abstains."""

    bias: tuple[float, ...]
    weights: Mapping[str, tuple[float, ...]]
    embedding: tuple[tuple[float, ...], ...] = ()
    temperature: float = 1.0
    abstain_below: float = 0.0
    _rows: dict[str, dict[str, tuple[float, ...]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _matrix: np.ndarray = field(
        default_factory=lambda: np.zeros((DIMENSIONS, 0)), init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.embedding and len(self.embedding) != DIMENSIONS:
            raise ValueError(f"embedding weights have {len(self.embedding)} rows, not 256")
        self._rows["s"] = {k[2:]: v for k, v in self.weights.items() if k.startswith("s:")}
        self._rows["w"] = {k[2:]: v for k, v in self.weights.items() if k.startswith("w:")}
        if self.embedding:
            # Frozen: the array is derived once from the tuples, never changed.
            object.__setattr__(self, "_matrix", np.asarray(self.embedding, dtype=np.float32))

    @property
    def uses_embedding(self) -> bool:
        """Whether the model reads sentence vectors."""
        return bool(self.embedding)

    def embedding_matrix(self) -> np.ndarray:
        """The sentence-vector weights as a 256 x 7 array."""
        return self._matrix

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Model:
        """A model from the JSON that `to_json` writes."""
        columns = data["categories"]
        if columns != [c.value for c in CATEGORIES]:
            raise ValueError(f"weights are for categories {columns}, not {list(CATEGORIES)}")
        weights = data["weights"]
        assert isinstance(weights, dict)
        embedding = data.get("embedding") or {}
        assert isinstance(embedding, dict)
        if embedding and embedding.get("model") != MODEL_NAME:
            raise ValueError(f"embedding weights are for {embedding.get('model')}")
        return cls(
            tuple(data["bias"]),  # type: ignore[arg-type]
            {k: tuple(v) for k, v in weights.items()},
            tuple(tuple(row) for row in embedding.get("rows", ())),
            float(data.get("temperature", 1.0)),  # type: ignore[arg-type]
            float(data.get("abstain_below", 0.0)),  # type: ignore[arg-type]
        )

    def to_json(self, **about: object) -> dict[str, object]:
        """The weights as JSON data, with `about` (what it was trained on, its figures)."""
        return {
            **about,
            "categories": [c.value for c in CATEGORIES],
            "temperature": self.temperature,
            "abstain_below": self.abstain_below,
            "bias": list(self.bias),
            "embedding": {"model": MODEL_NAME, "rows": [list(r) for r in self.embedding]}
            if self.embedding
            else None,
            "weights": {name: list(self.weights[name]) for name in sorted(self.weights)},
        }

    def scores(
        self, signals: Iterable[Signal], words: Iterable[str], vector: np.ndarray | None
    ) -> tuple[list[float], list[float]]:
        """(scores from the signals and the bias, scores from the words and the vector), one
        per category: their sum divided by the temperature is what the softmax reads."""
        signal_rows, word_rows = self._rows["s"], self._rows["w"]
        cues = list(self.bias)
        for signal in signals:
            row = signal_rows.get(signal.id)
            if row is not None:
                cues = [a + b for a, b in zip(cues, row, strict=True)]
        wording = [0.0] * len(CATEGORIES)
        for word in word_rows.keys() & set(words):
            wording = [a + b for a, b in zip(wording, word_rows[word], strict=True)]
        if vector is not None and self.embedding:
            wording = [a + float(b) for a, b in zip(wording, vector @ self._matrix, strict=True)]
        return cues, wording

    def probabilities(self, scores: Sequence[float]) -> list[float]:
        """The calibrated probabilities of summed scores, in `CATEGORIES` order."""
        scaled = [s / self.temperature for s in scores]
        top = max(scaled)
        exps = [math.exp(s - top) for s in scaled]
        whole = sum(exps)
        return [e / whole for e in exps]


def load_model(name: str = "weights.json") -> Model:
    """The model shipped with the package (data, read with importlib.resources)."""
    data = json.loads(resources.files("rules.classifier").joinpath(name).read_text("utf-8"))
    return Model.from_json(data)


MODEL = load_model()


def suggest(text: str, model: Model = MODEL) -> Suggestion:
    """The suggestion for one text under a given model (training and tests pass their own)."""
    signals, words = read(text)
    vector = embedder().vector(text) if model.uses_embedding else None
    return _suggestion(model, signals, words, vector)


def suggest_many(texts: Sequence[str], model: Model = MODEL) -> list[Suggestion]:
    """The suggestions for many texts, with their sentence vectors computed in one batch."""
    if not texts:
        return []
    vectors = embedder().vectors(texts) if model.uses_embedding else None
    suggestions = []
    for index, text in enumerate(texts):
        signals, words = read(text)
        vector = vectors[index] if vectors is not None else None
        suggestions.append(_suggestion(model, signals, words, vector))
    return suggestions


def _suggestion(
    model: Model, signals: tuple[Signal, ...], words: list[str], vector: np.ndarray | None
) -> Suggestion:
    cues, wording = model.scores(signals, words, vector)
    probabilities = model.probabilities([a + b for a, b in zip(cues, wording, strict=True)])
    best = max(range(len(CATEGORIES)), key=probabilities.__getitem__)
    supporting = []
    for signal in signals:
        row = model.weights.get(f"s:{signal.id}")
        if row is None:
            continue
        # A signal speaks for the suggestion when it weighs more for it than for any other
        # category; the strongest (most above its average) come first.
        lift = row[best] - sum(row) / len(row)
        if lift > 0 and row[best] >= max(row):
            supporting.append((-lift, signal.label))
    supporting.sort()
    labels = [label for _, label in supporting]
    # The words and the sentence vector, named last: the signals say more about a post.
    if wording[best] - sum(wording) / len(wording) >= WORDING_LIFT:
        labels.append(f"its wording reads like {CATEGORIES[best].value} posts")
    confidence = probabilities[best]
    return Suggestion(
        CATEGORIES[best],
        round(confidence, 2),
        tuple(labels),
        abstained=confidence < model.abstain_below,
    )
