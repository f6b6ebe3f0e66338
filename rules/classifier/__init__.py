"""Suggest a category for a post's text, with the signals behind the suggestion.

`classify(text) -> Suggestion(category, confidence, signals, abstained)`. Three layers:

1. Signals (`signals.py`): hand-written, human-readable cues ("mentions a discount code",
   "answers someone directly", "asks people to watch or listen"), found with word lists and a
   few regular expressions.
2. A sentence vector (`embedding.py`): the mean of WordLlama's token embeddings, read from
   the `wordllama` wheel (nothing is downloaded).
3. A model (`model.py`): a multinomial logistic regression over the signals, the words and
   the vector, with a calibrated temperature and an abstention threshold, trained by
   `scripts/train_classifier.py` (`training.py`) on real and written brand posts; its weights
   are data, `weights.json`, read with importlib.resources.

The suggestion's `signals` are the signals that speak for the suggested category, strongest
first, and "its wording reads like <category> posts" when the words and the vector weigh in:
what the editor reads is always a sentence. When the model is unsure it abstains
(`abstained=True`, with its best guess as `category`). It suggests; the editor decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from rules.classifier.model import (
    CATEGORIES,
    MODEL,
    Model,
    Suggestion,
    load_model,
    suggest,
    suggest_many,
)
from rules.classifier.signals import (
    OFFER_SIGNALS,
    SIGNALS,
    Signal,
    features_of,
    offer_candidates,
    offers_in,
    signals_of,
    words_of,
)

__all__ = [
    "CATEGORIES",
    "MODEL",
    "OFFER_SIGNALS",
    "SIGNALS",
    "Model",
    "Signal",
    "Suggestion",
    "classify",
    "features_of",
    "load_model",
    "offer_candidates",
    "offers_in",
    "signals_of",
    "suggest",
    "suggest_many",
    "classify_many",
    "words_of",
]


@lru_cache(maxsize=65_536)
def classify(text: str) -> Suggestion:
    """Suggest a category for a post's text, with the signals that speak for it.

    Pure, and cached by text: the composer may call it on every pause in typing.
    """
    return suggest(text)


def classify_many(texts: Sequence[str]) -> list[Suggestion]:
    """`classify` for many texts at once (their sentence vectors computed in one batch, each
    distinct text read once), for `planner classify` of a whole file."""
    unique = list(dict.fromkeys(texts))
    found = dict(zip(unique, suggest_many(unique), strict=True))
    return [found[text] for text in texts]
