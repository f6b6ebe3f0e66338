"""Training and measuring the classifier: pure functions over labelled texts.

`scripts/train_classifier.py` reads the labelled posts, calls `train`, and writes the weights
with `weights_json`; the bench and the quality tests call `holdout` and `cross_validate`, so
every figure comes from posts the model did not see.

The recipe (`train`):

1. Features: the signals of a text, its words (only words seen in posts of at least two
   brands, so no brand's name or product decides a category), and its sentence vector.
2. A multinomial logistic regression with an L2 penalty, fitted by full-batch Adam for a fixed
   number of steps from zero weights: deterministic.
3. Calibration: out-of-fold scores (folds grouped by brand) of the posts chosen for it (the
   real posts) fit a temperature that minimises their log loss; the threshold below which
   the model abstains is the confidence that leaves `Settings.coverage` of them answered.
4. The final fit on every example, with that temperature and threshold.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from rules.classifier.embedding import embedder
from rules.classifier.model import CATEGORIES, UNWEIGHED, Model, Suggestion, _suggestion
from rules.classifier.signals import SIGNALS, read
from rules.model import Category


@dataclass(frozen=True)
class Example:
    """One labelled post. `group` is its brand (organisation): posts of one brand are always
    on the same side of a split and in the same fold."""

    text: str
    category: Category
    group: str = ""


@dataclass(frozen=True)
class Settings:
    """Training settings; the defaults are what the shipped weights were trained with (chosen
    by grouped cross-validation on the training posts, never on the test split)."""

    steps: int = 600
    rate: float = 0.05
    l2: float = 0.001
    min_groups: int = 3
    embedding_scale: float = 1.0
    folds: int = 5
    coverage: float = 0.88
    # No bias: a post's prior comes from its signals, and a post with no cue at all from the
    # "plain statement" signal, so what decides a bare slogan is a sentence the editor reads.
    intercept: bool = False


def train(
    examples: Sequence[Example],
    settings: Settings = Settings(),
    calibrate_on: Callable[[Example], bool] = lambda e: True,
    calibration: tuple[float, float] | None = None,
) -> Model:
    """Fit the model on `examples`, with its temperature and abstention threshold calibrated
    on the out-of-fold scores of the examples `calibrate_on` picks, or set to `calibration`
    (temperature, threshold) when given."""
    readings = _Readings(examples)
    if calibration is not None:
        final = _fit(readings, list(range(len(examples))), settings)
        return Model(final.bias, final.weights, final.embedding, *calibration)
    chosen = [i for i, e in enumerate(examples) if calibrate_on(e)]
    scores = np.zeros((len(examples), len(CATEGORIES)))
    for held_out in grouped_folds([examples[i] for i in chosen], settings.folds):
        left_out = {chosen[i] for i in held_out}
        kept = [i for i in range(len(examples)) if i not in left_out]
        model = _fit(readings, kept, settings)
        for i in left_out:
            scores[i] = _raw_scores(model, readings, i)
    temperature, threshold = 1.0, 0.0
    if chosen:
        labels = np.array([CATEGORIES.index(examples[i].category) for i in chosen])
        temperature = fit_temperature(scores[chosen], labels)
        confidences = _softmax(scores[chosen] / temperature).max(axis=1)
        threshold = abstention_threshold(confidences, settings.coverage)
    final = _fit(readings, list(range(len(examples))), settings)
    return Model(
        final.bias, final.weights, final.embedding, round(temperature, 4), round(threshold, 4)
    )


def _fit(readings: _Readings, rows: Sequence[int], settings: Settings) -> Model:
    """A logistic regression on some of the examples (temperature 1, never abstains)."""
    signal_ids = sorted(set(SIGNALS) - UNWEIGHED)
    groups: dict[str, set[str]] = defaultdict(set)
    for i in rows:
        for word in set(readings.words[i]):
            groups[word].add(readings.groups[i])
    vocabulary = sorted(w for w, seen in groups.items() if len(seen) >= settings.min_groups)
    columns = {f"s:{s}": n for n, s in enumerate(signal_ids)}
    columns.update({f"w:{w}": len(signal_ids) + n for n, w in enumerate(vocabulary)})
    sparse = len(columns)
    x = np.zeros((len(rows), sparse + readings.vectors.shape[1]), np.float32)
    for r, i in enumerate(rows):
        for name in readings.features[i]:
            column = columns.get(name)
            if column is not None:
                x[r, column] = 1.0
    x[:, sparse:] = readings.vectors[rows] * settings.embedding_scale
    y = np.eye(len(CATEGORIES), dtype=np.float32)[[readings.labels[i] for i in rows]]
    weights, bias = _adam(x, y, settings)
    kept = {
        name: _rounded(weights[column])
        for name, column in columns.items()
        if name.startswith("s:") or np.abs(weights[column]).max() >= 0.0005
    }
    embedding = weights[sparse:] * settings.embedding_scale
    return Model(_rounded(bias), kept, tuple(_rounded(row) for row in embedding))


def _rounded(values: np.ndarray) -> tuple[float, ...]:
    """Weights to four decimals, as the JSON file keeps them."""
    return tuple(round(float(v), 4) for v in values)


def _adam(x: np.ndarray, y: np.ndarray, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """Minimise the mean log loss plus an L2 penalty on the weights (not the bias)."""
    n, d = x.shape
    k = y.shape[1]
    weights, bias = np.zeros((d, k), np.float32), np.zeros(k, np.float32)
    moments = [np.zeros_like(weights), np.zeros_like(bias), np.zeros_like(weights)]
    moments.append(np.zeros_like(bias))
    for step in range(1, settings.steps + 1):
        gradient = (_softmax(x @ weights + bias) - y) / n
        grads = (
            x.T @ gradient + settings.l2 * weights,
            gradient.sum(axis=0) if settings.intercept else np.zeros_like(bias),
        )
        for slot, (grad, param) in enumerate(zip(grads, (weights, bias), strict=True)):
            first, second = moments[slot], moments[slot + 2]
            first *= 0.9
            first += 0.1 * grad
            second *= 0.999
            second += 0.001 * grad * grad
            corrected = first / (1 - 0.9**step)
            param -= settings.rate * corrected / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
    return weights, bias


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


@dataclass
class _Readings:
    """What training reads of each example once: features, words, group, label, vector."""

    examples: Sequence[Example]
    features: list[list[str]] = field(default_factory=list)
    words: list[list[str]] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    signals: list[tuple] = field(default_factory=list)
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    def __post_init__(self) -> None:
        for example in self.examples:
            signals, words = read(example.text)
            self.signals.append(signals)
            self.words.append(words)
            self.features.append(
                [f"s:{s.id}" for s in signals] + [f"w:{w}" for w in dict.fromkeys(words)]
            )
            self.groups.append(example.group)
            self.labels.append(CATEGORIES.index(example.category))
        self.vectors = embedder().vectors([e.text for e in self.examples]).astype(np.float64)


def _raw_scores(model: Model, readings: _Readings, index: int) -> np.ndarray:
    cues, wording = model.scores(
        readings.signals[index], readings.words[index], readings.vectors[index]
    )
    return np.array(cues) + np.array(wording)


def fit_temperature(scores: np.ndarray, labels: np.ndarray) -> float:
    """The temperature (0.25 to 8) that minimises the log loss of `scores` / temperature,
    found by golden-section search on its logarithm."""

    def loss(log_t: float) -> float:
        p = _softmax(scores / math.exp(log_t))
        return float(-np.log(p[np.arange(len(labels)), labels] + 1e-12).mean())

    low, high = math.log(0.25), math.log(8.0)
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(60):
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        if loss(a) <= loss(b):
            high = b
        else:
            low = a
    return math.exp((low + high) / 2)


def abstention_threshold(confidences: np.ndarray, coverage: float) -> float:
    """The confidence below which the least sure (1 - coverage) of the posts fall."""
    if not len(confidences) or coverage >= 1:
        return 0.0
    return float(np.quantile(confidences, 1 - coverage, method="lower"))


@dataclass(frozen=True)
class Quality:
    """How well suggestions match labels on posts the model did not see.

    `accuracy`, `family_accuracy` and `promotion_precision` are over the answered posts (not
    abstained); `accuracy_counting_abstentions` counts an abstention as wrong;
    `promotion_recall` is the share of promotion posts answered as promotion (an abstention
    misses); `ece` is the expected calibration error of the confidence of every suggestion
    (ten equal bins).
    """

    count: int
    coverage: float
    accuracy: float
    family_accuracy: float
    accuracy_counting_abstentions: float
    promotion_precision: float
    promotion_recall: float
    ece: float
    confusion: dict[tuple[Category, Category], int]

    def report(self) -> str:
        """The figures on one line."""
        return (
            f"coverage {self.coverage:.3f}, category accuracy {self.accuracy:.3f}, family "
            f"accuracy {self.family_accuracy:.3f} (answered posts), category accuracy "
            f"counting abstentions as wrong {self.accuracy_counting_abstentions:.3f}, "
            f"promotion precision {self.promotion_precision:.3f}, promotion recall "
            f"{self.promotion_recall:.3f}, ECE {self.ece:.3f} over {self.count} posts"
        )


def measure(pairs: Sequence[tuple[Category, Suggestion]]) -> Quality:
    """Compare labels with suggestions."""
    total = len(pairs)
    answered = [(label, s) for label, s in pairs if not s.abstained]
    right = sum(label is s.category for label, s in answered)
    family = sum(label.family is s.category.family for label, s in answered)
    predicted = sum(s.category is Category.PROMOTION for _, s in answered)
    actual = sum(label is Category.PROMOTION for label, _ in pairs)
    hits = sum(
        label is Category.PROMOTION and s.category is Category.PROMOTION for label, s in answered
    )
    return Quality(
        count=total,
        coverage=len(answered) / total if total else 0.0,
        accuracy=right / len(answered) if answered else 0.0,
        family_accuracy=family / len(answered) if answered else 0.0,
        accuracy_counting_abstentions=right / total if total else 0.0,
        promotion_precision=hits / predicted if predicted else 0.0,
        promotion_recall=hits / actual if actual else 0.0,
        ece=expected_calibration_error([(s.confidence, label is s.category) for label, s in pairs]),
        confusion=dict(Counter((label, s.category) for label, s in pairs)),
    )


def expected_calibration_error(points: Iterable[tuple[float, bool]], bins: int = 10) -> float:
    """The mean gap between confidence and accuracy over equal-width confidence bins, weighted
    by the share of suggestions in each bin."""
    buckets: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    points = list(points)
    for confidence, right in points:
        buckets[min(int(confidence * bins), bins - 1)].append((confidence, right))
    return sum(
        len(b) / len(points) * abs(sum(c for c, _ in b) / len(b) - sum(r for _, r in b) / len(b))
        for b in buckets.values()
    )


def _order(group: str) -> str:
    """A group's place in a deterministic shuffle."""
    return hashlib.sha256(group.encode("utf-8")).hexdigest()


def grouped_folds(examples: Sequence[Example], folds: int) -> list[list[int]]:
    """Split example indices into folds, whole groups (brands) at a time, deterministically:
    groups in hash order, each to the fold with the fewest examples so far."""
    members: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(examples):
        members[e.group].append(i)
    buckets: list[list[int]] = [[] for _ in range(folds)]
    for group in sorted(members, key=_order):
        min(buckets, key=len).extend(members[group])
    return [sorted(b) for b in buckets if b]


def split_by_group(
    examples: Sequence[Example], share: float = 1 / 3
) -> tuple[list[Example], list[Example]]:
    """(train, test): whole groups on one side, about `share` of the examples in the test
    split and of every category. Deterministic: groups are taken in hash order, and a group
    goes to the test split when that brings the test split's count of each category nearer
    to `share` of it."""
    members: dict[str, list[Example]] = defaultdict(list)
    for e in examples:
        members[e.group].append(e)
    target = {c: n * share for c, n in Counter(e.category for e in examples).items()}
    counts: Counter[Category] = Counter()
    test_groups = set()
    for group in sorted(members, key=_order):
        adds = Counter(e.category for e in members[group])
        before = sum(abs(counts[c] - t) for c, t in target.items())
        after = sum(abs(counts[c] + adds[c] - t) for c, t in target.items())
        if after < before:
            test_groups.add(group)
            counts.update(adds)
    return (
        [e for e in examples if e.group not in test_groups],
        [e for e in examples if e.group in test_groups],
    )


def suggestions(model: Model, texts: Sequence[str]) -> list[Suggestion]:
    """The model's suggestions for texts (a model that is not the shipped one)."""
    vectors = embedder().vectors(texts) if model.uses_embedding else None
    out = []
    for index, text in enumerate(texts):
        signals, words = read(text)
        out.append(
            _suggestion(model, signals, words, vectors[index] if vectors is not None else None)
        )
    return out


def holdout(
    train_on: Sequence[Example],
    test_on: Sequence[Example],
    settings: Settings = Settings(),
    calibrate_on: Callable[[Example], bool] = lambda e: True,
) -> Quality:
    """Train on some posts, measure on others."""
    model = train(train_on, settings, calibrate_on)
    found = suggestions(model, [e.text for e in test_on])
    return measure([(e.category, s) for e, s in zip(test_on, found, strict=True)])


def cross_validate(
    examples: Sequence[Example],
    folds: int = 5,
    settings: Settings = Settings(),
    also_train_on: Sequence[Example] = (),
    calibrate_on: Callable[[Example], bool] = lambda e: True,
    calibration: tuple[float, float] | None = None,
) -> Quality:
    """Train on all folds but one (and `also_train_on`), suggest on the one left out, for
    each fold in turn. With `calibration` (temperature, threshold) the folds' models use it
    instead of calibrating their own."""
    pairs: list[tuple[Category, Suggestion]] = []
    for held_out in grouped_folds(examples, folds):
        left_out = set(held_out)
        kept = [e for i, e in enumerate(examples) if i not in left_out]
        model = train([*kept, *also_train_on], settings, calibrate_on, calibration)
        found = suggestions(model, [examples[i].text for i in held_out])
        pairs.extend((examples[i].category, s) for i, s in zip(held_out, found, strict=True))
    return measure(pairs)


def weights_json(model: Model, *, trained_on: str, quality: str | None) -> str:
    """The shipped weights file (rules/classifier/weights.json): one feature per line, so a
    retraining shows as a readable diff."""
    data = model.to_json(trained_on=trained_on, quality=quality)
    weights = data.pop("weights")
    embedding = data.pop("embedding")
    assert isinstance(weights, dict)
    lines = ["{"]
    lines += [
        f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},"
        for key, value in data.items()
    ]
    if isinstance(embedding, dict):
        lines.append(f'  "embedding": {{"model": {json.dumps(embedding["model"])}, "rows": [')
        lines.append(",\n".join(f"    {json.dumps(row)}" for row in embedding["rows"]))
        lines.append("  ]},")
    lines.append('  "weights": {')
    rows = [
        f"    {json.dumps(name, ensure_ascii=False)}: {json.dumps(row)}"
        for name, row in weights.items()
    ]
    lines.append(",\n".join(rows))
    lines += ["  }", "}", ""]
    return "\n".join(lines)


REAL = "real:"
WRITTEN = "written:"


def real_examples(rows: Iterable[dict[str, str]]) -> list[Example]:
    """Examples from rows of data/real-posts.csv (id, account, organisation, network,
    category, is_reply, thread, text, source), grouped by organisation."""
    return [Example(r["text"], Category(r["category"]), REAL + r["organisation"]) for r in rows]


def written_examples(rows: Iterable[dict[str, str]]) -> list[Example]:
    """Examples from rows of tests/data/posts-labelled.csv (id, brand, network, category,
    text): posts written for the product's tests, grouped by brand."""
    return [Example(r["text"], Category(r["category"]), WRITTEN + r["brand"]) for r in rows]


def is_real(example: Example) -> bool:
    """Whether an example is a real brand's post (these calibrate the confidence)."""
    return example.group.startswith(REAL)
