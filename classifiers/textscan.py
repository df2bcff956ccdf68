"""All lexicons in one pass over the tokens: a dictionary lookup per token, not a regex scan.

Every lexicon word (places and 3,700 other regions, category, department, relevance and
sentiment words) is in the tokenizer's user dictionary, so jieba keeps it whole. For each
distinct token, each lexicon's matches inside the token are found once with the lexicon's
own matcher and memoised; afterwards a token costs one dict lookup, however many words the
lexicons hold. Hits carry offsets in the scanned text, as `LexiconMatcher.find` gives them.
A word that jieba splits across two tokens is missed; the user dictionary makes that rare,
and if the pieces do not add up to the text the scanner falls back to the matchers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import accumulate, compress

from classifiers.lexicon import Hit, LexiconMatcher
from classifiers.tokenize import ProfileTokenizer
from pipeline.profile import JurisdictionProfile

MEMO_LIMIT = 300_000  # distinct tokens remembered (a few tens of MB at most)
PLACE_LEXICONS = ("places",)

_WORD = re.compile(r"[0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]")


class TokenLexiconScanner:
    """Tokenises a text and returns every lexicon's hits, in text order."""

    def __init__(self, profile: JurisdictionProfile, matchers: Mapping[str, LexiconMatcher]):
        self.names = tuple(matchers)
        self.matchers = tuple(matchers.values())
        words: dict[str, str] = {}
        for name, matcher in matchers.items():
            tag = "ns" if name in PLACE_LEXICONS else "n"
            for word in matcher.labels:
                if tag == "ns" or word not in words:
                    words[word] = tag
        self.tokenizer = ProfileTokenizer(profile, words)
        self._hits: dict[str, tuple[tuple[int, str, int, int, tuple[str, ...]], ...]] = {}
        self._words: dict[str, str] = {}  # token → its feature form, "" for punctuation

    def _learn(self, pieces: set[str]) -> None:
        """Look up tokens not seen before in every lexicon; remember the result."""
        if len(self._words) + len(pieces) > MEMO_LIMIT:
            self._hits.clear()
            self._words.clear()
        for token in pieces:
            found = []
            for index, matcher in enumerate(self.matchers):
                for hit in matcher.find(token):
                    found.append((index, hit.word, hit.start, hit.end, hit.labels))
            if found:
                self._hits[token] = tuple(found)
            self._words[token] = token.lower() if _WORD.search(token) else ""

    def scan(self, text: str) -> tuple[list[str], dict[str, list[Hit]]]:
        """(word tokens, lower-cased, without punctuation or space; lexicon name → hits)."""
        pieces = self.tokenizer.cut(text)
        words = list(map(self._words.get, pieces))
        if None in words:  # a token never seen: learn it, once
            self._learn({p for p, w in zip(pieces, words, strict=True) if w is None})
            words = list(map(self._words.get, pieces))
        tokens = list(filter(None, words))
        hits: dict[str, list[Hit]] = {name: [] for name in self.names}
        memo = self._hits
        where = list(compress(range(len(pieces)), map(memo.__contains__, pieces)))
        if where:
            offsets = list(accumulate(map(len, pieces), initial=0))
            if offsets[-1] != len(text):  # the segmenter dropped something: scan the text
                return tokens, {
                    n: m.find(text) for n, m in zip(self.names, self.matchers, strict=True)
                }
            lists = [hits[name] for name in self.names]
            for i in where:
                pos = offsets[i]
                for index, w, start, end, labels in memo[pieces[i]]:
                    lists[index].append(Hit(w, pos + start, pos + end, labels))
        return tokens, hits
