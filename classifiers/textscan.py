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
from bisect import bisect_right
from collections.abc import Mapping
from itertools import accumulate, compress
from operator import itemgetter

from classifiers.lexicon import Hit, LexiconMatcher
from classifiers.tokenize import ProfileTokenizer
from pipeline.profile import JurisdictionProfile

MEMO_LIMIT = 300_000  # distinct tokens remembered (a few tens of MB at most)
PLACE_LEXICONS = ("places",)

_SEP = "\x00"  # joins new tokens for one scan per lexicon (`_learn`)
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
        self._joinable = not any(_SEP in w for m in self.matchers for w in m.labels)

    def _learn(self, pieces: set[str]) -> None:
        """Look up tokens not seen before in every lexicon; remember the result."""
        if len(self._words) + len(pieces) > MEMO_LIMIT:
            self._hits.clear()
            self._words.clear()
        tokens = list(pieces)
        if self._joinable and not any(_SEP in token for token in tokens):
            found = self._find_joined(tokens)
        else:
            found = {}
            for token in tokens:
                for index, matcher in enumerate(self.matchers):
                    for hit in matcher.find(token):
                        entry = (index, hit.word, hit.start, hit.end, hit.labels)
                        found.setdefault(token, []).append(entry)
        for token, entries in found.items():
            self._hits[token] = tuple(entries)
        for token in tokens:
            self._words[token] = token.lower() if _WORD.search(token) else ""

    def _find_joined(self, tokens: list[str]) -> dict[str, list[tuple]]:
        """Each lexicon's matches in each token, one regex scan per lexicon of the tokens
        joined by `_SEP`: no lexicon word holds it, so no match spans two tokens and each
        token's matches are those of its own scan (the patterns are plain literal tries)."""
        joined = _SEP.join(tokens)
        starts = list(accumulate((len(t) + 1 for t in tokens), initial=0))
        found: dict[str, list[tuple]] = {}
        for index, matcher in enumerate(self.matchers):
            for hit in matcher.find(joined):
                k = bisect_right(starts, hit.start) - 1
                base = starts[k]
                entry = (index, hit.word, hit.start - base, hit.end - base, hit.labels)
                found.setdefault(tokens[k], []).append(entry)
        return found

    def scan(self, text: str) -> tuple[list[str], dict[str, list[Hit]]]:
        """(word tokens, lower-cased, without punctuation or space; lexicon name → hits)."""
        pieces = self.tokenizer.cut(text)
        try:  # one C-level lookup of every piece; a KeyError is a token never seen
            words = itemgetter(*pieces)(self._words) if len(pieces) > 1 else None
        except KeyError:
            words = None
        if words is None:
            words = list(map(self._words.get, pieces))
            if None in words:  # learn the new tokens, once
                self._learn({p for p, w in zip(pieces, words, strict=True) if w is None})
                words = list(map(self._words.get, pieces))
        tokens = list(filter(None, words))
        lists: list[list[Hit]] = [[] for _ in self.names]
        memo = self._hits
        where = list(compress(range(len(pieces)), map(memo.__contains__, pieces)))
        if where:
            offsets = list(accumulate(map(len, pieces), initial=0))
            if offsets[-1] != len(text):  # the segmenter dropped something: scan the text
                return tokens, {
                    n: m.find(text) for n, m in zip(self.names, self.matchers, strict=True)
                }
            new = tuple.__new__  # Hit(...) without the namedtuple's Python-level __new__
            for i in where:
                pos = offsets[i]
                for index, w, start, end, labels in memo[pieces[i]]:
                    lists[index].append(new(Hit, (w, pos + start, pos + end, labels)))
        return tokens, dict(zip(self.names, lists, strict=True))
