"""Key-response categories (contracts.md codes) from keyword lexicons (data/categories.yaml).

Multi-label. One combined matcher scans the text once; per category a word is `strong`
(enough alone), a `keywords` hit that may need a `needs_any` companion (e.g. a scale cue
for public_interest: one person's grievance is not "large impact"), or an `excludes` veto.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from classifiers.lexicon import Hit, LexiconMatcher, load_data
from pipeline.models import CATEGORIES

_PARTS = ("strong", "keywords", "needs_any", "excludes")


@dataclass
class CategoryResult:
    categories: list[str] = field(default_factory=list)
    evidence: dict[str, list[str]] = field(default_factory=dict)


class CategoryClassifier:
    def __init__(self, data: dict[str, Any] | None = None):
        data = data if data is not None else load_data("categories.yaml")
        unknown = sorted(set(data) - set(CATEGORIES))
        if unknown:
            raise ValueError(f"categories.yaml: unknown category code(s) {', '.join(unknown)}")
        self.rules = {code: data.get(code) or {} for code in CATEGORIES}
        labels: dict[str, list[str]] = defaultdict(list)
        for code, rule in self.rules.items():
            for part in _PARTS:
                for word in rule.get(part) or []:
                    labels[str(word)].append(f"{code}:{part}")
        self._matcher = LexiconMatcher(labels)
        self._split: dict[str, tuple[str, str]] = {}  # "code:part" → (code, part), split once

    @property
    def matcher(self) -> LexiconMatcher:
        return self._matcher

    def classify(self, text: str, hits: list[Hit] | None = None) -> CategoryResult:
        found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        split = self._split
        for hit in self._matcher.find(text) if hits is None else hits:
            for label in hit.labels:
                pair = split.get(label)
                if pair is None:
                    code, part = label.split(":")
                    pair = split[label] = (code, part)
                code, part = pair
                if hit.word not in found[code][part]:
                    found[code][part].append(hit.word)
        result = CategoryResult()
        for code in CATEGORIES:
            parts = found.get(code)
            if not parts or parts.get("excludes"):
                continue
            rule = self.rules[code]
            evidence = list(parts.get("strong", []))
            keywords = parts.get("keywords", [])
            if not evidence and len(keywords) >= int(rule.get("min_hits", 1)):
                companions = parts.get("needs_any", [])
                if not rule.get("needs_any") or companions:
                    evidence = keywords + companions
            if evidence:
                result.categories.append(code)
                result.evidence[code] = evidence
        return result
