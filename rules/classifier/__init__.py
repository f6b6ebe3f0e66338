"""Suggest a category for a post's text, with the signals behind the suggestion.

`classify(text) -> Suggestion(category, confidence, signals)`. Two layers:

1. Signals (`signals.py`): hand-written, human-readable cues ("mentions a discount code",
   "asks the reader a question", "apologises"), found with word lists and a few regular
   expressions.
2. A model (`model.py`): a small multinomial logistic regression over those signals and the
   text's words, trained by `scripts/train_classifier.py` (`training.py`); its weights are
   data, `weights.json`, read with importlib.resources.

The suggestion's `signals` are the signals that speak for the suggested category, strongest
first; words the model also weighs are not listed, so what the editor reads is always a sentence.
Nothing is downloaded and nothing but the standard library is used. It suggests; the editor
decides.
"""

from __future__ import annotations

from functools import lru_cache

from rules.classifier.model import CATEGORIES, MODEL, Model, Suggestion, load_model, suggest
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
    "words_of",
]


@lru_cache(maxsize=65_536)
def classify(text: str) -> Suggestion:
    """Suggest a category for a post's text, with the signals that speak for it.

    Pure, and cached by text: the composer may call it on every pause in typing.
    """
    return suggest(text)
