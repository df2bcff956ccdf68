"""Extraction quality: character-level precision and recall of cleaned text against gold text,
over bags of character bigrams (order-insensitive between paragraphs, sensitive within them).

Both sides are NFKC-normalised and stripped of whitespace first, so full- versus half-width
punctuation and line breaks do not count as errors.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass


def _bigrams(text: str) -> Counter[str]:
    flat = "".join(unicodedata.normalize("NFKC", text).split())
    return Counter(flat[i : i + 2] for i in range(len(flat) - 1))


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score(extracted: str, gold: str) -> Score:
    """Precision: share of extracted bigrams that are in the gold; recall: share of gold
    bigrams that were extracted (multiset overlap)."""
    got, want = _bigrams(extracted), _bigrams(gold)
    overlap = sum((got & want).values())
    return Score(
        overlap / sum(got.values()) if got else 0.0,
        overlap / sum(want.values()) if want else 1.0,
    )


def micro(pairs: list[tuple[str, str]]) -> Score:
    """One score over many (extracted, gold) pairs, weighted by their length."""
    got_total = want_total = overlap = 0
    for extracted, gold in pairs:
        got, want = _bigrams(extracted), _bigrams(gold)
        overlap += sum((got & want).values())
        got_total += sum(got.values())
        want_total += sum(want.values())
    return Score(
        overlap / got_total if got_total else 0.0, overlap / want_total if want_total else 1.0
    )
