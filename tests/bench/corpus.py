"""Synthetic corpora from a fixed random seed: words, emoji and accents, like real text."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

_SYLLABLES = ["ka", "ro", "mi", "ten", "sa", "lo", "vi", "da", "ne", "po", "ur", "el", "an", "is", "ko"]
_EXTRAS = ["café", "naïve", "Zürich", "😀", "👩‍🔬", "日本語", "שלום", "mañana", "Ærø", "🧪"]


@dataclass(frozen=True)
class CorpusShape:
    """How big a synthetic corpus is."""

    documents: int
    chars_per_document: int
    spans_per_document: int = 0


def vocabulary(rng: random.Random, size: int = 5000) -> list[str]:
    """Pseudo-words with a Zipf-like spread once sampled with ``weights``."""
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4))))
    return sorted(words) + _EXTRAS


def make_text(rng: random.Random, words: list[str], weights: list[float], length: int) -> str:
    """Paragraphs of sampled words, about ``length`` characters long."""
    parts: list[str] = []
    size = 0
    while size < length:
        sentence = " ".join(rng.choices(words, weights, k=rng.randint(6, 18)))
        sentence = sentence[0].upper() + sentence[1:] + "."
        parts.append(sentence)
        size += len(sentence) + 1
        if rng.random() < 0.2:
            parts.append("\n\n")
    return " ".join(parts)[:length]


def word_weights(words: list[str]) -> list[float]:
    """Zipf weights: the n-th word is 1/n as likely as the first."""
    return [1.0 / (rank + 1) for rank in range(len(words))]


def documents(shape: CorpusShape, *, seed: int = 20261122) -> Iterator[tuple[str, str]]:
    """Yield (title, text) pairs for ``shape``; the same seed gives the same corpus."""
    rng = random.Random(seed)
    words = vocabulary(rng)
    weights = word_weights(words)
    for index in range(shape.documents):
        yield f"doc-{index:05d}", make_text(rng, words, weights, shape.chars_per_document)


def spans_for(text: str, count: int, rng: random.Random, labels: list[str]) -> list[tuple[int, int, str]]:
    """``count`` random, overlapping spans (start, end, label) inside ``text``."""
    spans = []
    for _ in range(count):
        start = rng.randrange(0, max(1, len(text) - 2))
        end = min(len(text), start + rng.randint(1, 400))
        spans.append((start, end, rng.choice(labels)))
    return spans
