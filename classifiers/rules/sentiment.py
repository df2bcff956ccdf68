"""Sentiment from a small domain lexicon (data/sentiment.yaml), with negation.

A negator within three characters before a word turns a positive word negative ("不满意"
style constructions) and cancels a negative one ("没有污染"). Categories that are negative
by nature (emergency, rumor, moral_bottom_line) lean the score negative.
"""

from __future__ import annotations

import re
from typing import Any

from classifiers.lexicon import Hit, LexiconMatcher, load_data

_NEGATIVE_BY_NATURE = {"emergency": 1, "rumor": 1, "moral_bottom_line": 2}
_WEIGHTS = {"pos": 1, "neg": -1, "neg2": -2}


class SentimentClassifier:
    def __init__(self, data: dict[str, Any] | None = None):
        data = data if data is not None else load_data("sentiment.yaml")
        labels: dict[str, list[str]] = {}
        for part, weight in (("positive", "pos"), ("negative", "neg"), ("strong_negative", "neg2")):
            for word in data.get(part) or []:
                labels.setdefault(str(word), []).append(weight)
        self._matcher = LexiconMatcher(labels)
        self._negators = tuple(str(w) for w in data.get("negators") or [])
        # any negator inside the three characters before a hit: one regex search
        alternatives = "|".join(map(re.escape, sorted(self._negators, key=len, reverse=True)))
        self._negated = re.compile(alternatives) if self._negators else None

    @property
    def matcher(self) -> LexiconMatcher:
        return self._matcher

    def score(
        self,
        text: str,
        categories: list[str] | tuple[str, ...] = (),
        hits: list[Hit] | None = None,
    ) -> int:
        """Positive minus negative weight; below zero is negative."""
        total = -sum(_NEGATIVE_BY_NATURE.get(c, 0) for c in categories)
        negated = self._negated
        for hit in self._matcher.find(text) if hits is None else hits:
            weight = _WEIGHTS[hit.labels[0]]
            if negated is not None and negated.search(text, max(0, hit.start - 3), hit.start):
                weight = -1 if weight > 0 else 0
            total += weight
        return total

    def classify(
        self,
        text: str,
        categories: list[str] | tuple[str, ...] = (),
        hits: list[Hit] | None = None,
    ) -> str:
        value = self.score(text, categories, hits)
        if value < 0:
            return "negative"
        return "positive" if value > 0 else "neutral"
