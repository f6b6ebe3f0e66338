"""Sentence vectors for the classifier: the mean of WordLlama's token embeddings.

WordLlama (the `wordllama` package, MIT) ships a 32,000 x 256 table of token embeddings,
distilled from Llama 2 70B, and the tokenizer that goes with it inside its wheel. A text's
vector is the mean of its tokens' rows, scaled to unit length: a static embedding, about 20
microseconds a post, nothing downloaded.

The table and the tokenizer are read straight from the installed wheel (located with
`importlib.metadata`, like package data), not through `WordLlama.load()`: that loader looks
for the tokenizer in a folder the wheel does not have and then downloads it from the Hugging
Face hub, and importing `wordllama` configures the root logger. Loaded once, on first use.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import metadata
from itertools import chain

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

from rules.classifier.signals import normalise

DISTRIBUTION = "wordllama"
TABLE = "wordllama/weights/l2_supercat_256.safetensors"
TOKENIZER = "wordllama/tokenizers/l2_supercat_tokenizer_config.json"
DIMENSIONS = 256
_CHUNK = 256
MODEL_NAME = "wordllama l2_supercat 256"

# Links carry no meaning a category could use; handles are people, not words.
_LINK = re.compile(r"https?://\S+|www\.\S+|\b[\w-]+(?:\.[\w-]+)+/\S*")
_HANDLE = re.compile(r"(?<![\w@])@\w+")


class Embedder:
    """Turns texts into unit vectors with a token table and its tokenizer."""

    def __init__(self, table: np.ndarray, tokenizer: Tokenizer) -> None:
        self.table = np.ascontiguousarray(table, dtype=np.float32)
        self.tokenizer = tokenizer
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()

    def vector(self, text: str) -> np.ndarray:
        """The unit vector of one text (zeros for a text with no tokens)."""
        ids = self.tokenizer.encode(prepare(text), add_special_tokens=False).ids
        if not ids:
            return np.zeros(self.table.shape[1], np.float32)
        return _unit(self.table[ids].mean(axis=0))

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """The unit vectors of many texts, one row each, tokenized in one batch."""
        encodings = self.tokenizer.encode_batch(
            [prepare(t) for t in texts], add_special_tokens=False
        )
        token_lists = [e.ids for e in encodings]
        lengths = np.fromiter(map(len, token_lists), np.int64, len(token_lists))
        ids = np.fromiter(chain.from_iterable(token_lists), np.int64, int(lengths.sum()))
        starts = np.concatenate(([0], np.cumsum(lengths)))
        out = np.zeros((len(texts), self.table.shape[1]), np.float32)
        # A few hundred texts at a time: the rows gathered for all of them at once would take
        # a gigabyte for 10,000 posts.
        for first in range(0, len(texts), _CHUNK):
            last = min(first + _CHUNK, len(texts))
            present = np.flatnonzero(lengths[first:last]) + first
            if not len(present):
                continue
            rows = self.table[ids[starts[first] : starts[last]]]
            sums = np.add.reduceat(rows, starts[present] - starts[first], axis=0)
            out[present] = sums / lengths[present, None]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1)


def prepare(text: str) -> str:
    """The text as the embedding reads it: normalised, links out, handles as "@user"."""
    text = normalise(text)
    if "/" in text or "www." in text:
        text = _LINK.sub(" ", text)
    if "@" in text:
        text = _HANDLE.sub("@user", text)
    return text


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


@lru_cache(maxsize=1)
def embedder() -> Embedder:
    """The embedder of the installed wordllama wheel, loaded on first use (about 0.2 s)."""
    wheel = metadata.distribution(DISTRIBUTION)
    tokenizer = Tokenizer.from_file(str(wheel.locate_file(TOKENIZER)))
    table = load_file(str(wheel.locate_file(TABLE)))["embedding.weight"]
    if table.shape[1] != DIMENSIONS:
        raise ValueError(f"{TABLE} has {table.shape[1]} dimensions, not {DIMENSIONS}")
    return Embedder(table, tokenizer)
