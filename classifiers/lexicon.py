"""Fast multi-keyword matching: one trie-shaped regex per lexicon, built once.

Python's `re` tries alternatives one by one; folding the words into a trie first makes a
scan of a few hundred characters cost microseconds even with a thousand keywords.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"


def _trie_pattern(words: Iterable[str]) -> str:
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = True
    return _node_pattern(trie)


def _node_pattern(node: dict[str, Any]) -> str:
    ends = "" in node
    branches = [re.escape(ch) + _node_pattern(child) for ch, child in node.items() if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends:  # this prefix is itself a word: the longer continuation is optional
        return body + "?" if len(branches) == 1 and len(branches[0]) == 1 else f"(?:{body})?"
    return body


class Hit(NamedTuple):
    """One occurrence of a lexicon word: [start, end) in the scanned text, and its labels."""

    word: str
    start: int
    end: int
    labels: tuple[str, ...]


class LexiconMatcher:
    """Finds every non-overlapping, longest-first occurrence of a set of words.

    Each word carries labels (e.g. the categories or departments it is evidence for).
    """

    def __init__(self, words: Mapping[str, Iterable[str]] | Iterable[str]):
        if isinstance(words, Mapping):
            self.labels = {w: tuple(dict.fromkeys(ls)) for w, ls in words.items() if w}
        else:
            self.labels = {w: () for w in words if w}
        self._regex = re.compile(_trie_pattern(self.labels)) if self.labels else None

    def __bool__(self) -> bool:
        return self._regex is not None

    def find(self, text: str) -> list[Hit]:
        if self._regex is None or not text:
            return []
        return [
            Hit(m.group(), m.start(), m.end(), self.labels.get(m.group(), ()))
            for m in self._regex.finditer(text)
        ]

    def words(self, text: str) -> list[str]:
        return [h.word for h in self.find(text)]


@cache
def load_data(name: str) -> Any:
    """A YAML data file of classifiers/data (lexicons the office may edit), cached."""
    path = DATA_DIR / name
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return data
