"""All lexicons in one pass over the tokens: a dictionary lookup per token, not a regex scan.

Every lexicon word (places and 3,700 other regions, category, department, relevance and
sentiment words) is in the tokenizer's user dictionary, so jieba keeps it whole. For each
distinct token, each lexicon's matches inside the token are found once (one Aho-Corasick
pass over all lexicons for a text's new tokens, as each lexicon's matcher finds them) and
memoised; afterwards a token costs one dict lookup, however many words the lexicons
hold. Hits carry offsets in the scanned text, as `LexiconMatcher.find` gives them.
A word that jieba splits across two tokens is missed; the user dictionary makes that rare,
and if the pieces do not add up to the text the scanner falls back to the matchers.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_right
from collections.abc import Mapping
from itertools import accumulate, compress
from operator import itemgetter

import ahocorasick

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
        # token → (its feature form, "" for punctuation; its lexicon hits inside the token,
        # () for none): one lookup per token gives both
        self._memo: dict[str, tuple[str, tuple[tuple[int, str, int, int, tuple[str, ...]], ...]]]
        self._memo = {}
        self._joinable = not any(_SEP in w for m in self.matchers for w in m.labels)
        # word → (its length, the word, (lexicon index, its labels there) for each lexicon)
        owners: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        for index, matcher in enumerate(self.matchers):
            for word, labels in matcher.labels.items():
                owners.setdefault(word, []).append((index, labels))
        self._automaton = ahocorasick.Automaton()
        for word, found in owners.items():
            self._automaton.add_word(word, (len(word), word, tuple(found)))
        if owners:
            self._automaton.make_automaton()
        else:
            self._joinable = False  # nothing to find: the matchers (all empty) say so

    def _learn(self, pieces: set[str]) -> None:
        """Look up tokens not seen before in every lexicon; remember the result."""
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
        for token in tokens:
            word = sys.intern(token.lower()) if _WORD.search(token) else ""
            self._memo[token] = (word, tuple(found.get(token, ())))

    def _find_joined(self, tokens: list[str]) -> dict[str, list[tuple]]:
        """Each lexicon's matches in each token, as its matcher finds them (leftmost, then
        longest, not overlapping), from one Aho-Corasick pass over the tokens joined by
        `_SEP`: no lexicon word holds it, so no match spans two tokens. The automaton gives
        every occurrence of every word; each lexicon keeps, from the left, the longest word
        starting at a position past its previous match, which is what its trie regex
        takes (a regex scan per lexicon of a 4,000-word trie costs far more)."""
        joined = _SEP.join(tokens)
        starts = list(accumulate((len(t) + 1 for t in tokens), initial=0))
        longest: dict[int, dict[int, tuple[int, str, tuple[str, ...]]]] = {}
        for last, (size, word, owners) in self._automaton.iter(joined):
            start = last - size + 1
            for index, labels in owners:  # at one start, a longer word comes later
                longest.setdefault(index, {})[start] = (last + 1, word, labels)
        found: dict[str, list[tuple]] = {}
        for index in sorted(longest):
            at = longest[index]
            taken_to = 0
            for start in sorted(at):
                if start < taken_to:
                    continue
                end, word, labels = at[start]
                taken_to = end
                k = bisect_right(starts, start) - 1
                base = starts[k]
                found.setdefault(tokens[k], []).append(
                    (index, word, start - base, end - base, labels)
                )
        return found

    def scan(self, text: str) -> tuple[list[str], dict[str, list[Hit]]]:
        """(word tokens, lower-cased, without punctuation or space; lexicon name → hits)."""
        pieces = self.tokenizer.cut(text)
        memo = self._memo
        try:  # one C-level lookup of every piece; a KeyError is a token never seen
            known = itemgetter(*pieces)(memo) if len(pieces) > 1 else None
        except KeyError:
            known = None
        if known is None:
            known = list(map(memo.get, pieces))
            if None in known:  # learn the new tokens, once
                new = {p for p, k in zip(pieces, known, strict=True) if k is None}
                if len(memo) + len(new) > MEMO_LIMIT:  # full: start again with this text's
                    memo.clear()
                    new = set(pieces)
                self._learn(new)
                known = list(map(memo.get, pieces))
        if not known:
            return [], {name: [] for name in self.names}
        words, found = zip(*known, strict=True)  # feature forms; each piece's hits
        tokens = list(filter(None, words))
        lists: list[list[Hit]] = [[] for _ in self.names]
        where = list(compress(range(len(pieces)), found))
        if where:
            offsets = list(accumulate(map(len, pieces), initial=0))
            if offsets[-1] != len(text):  # the segmenter dropped something: scan the text
                return tokens, {
                    n: m.find(text) for n, m in zip(self.names, self.matchers, strict=True)
                }
            new_hit = tuple.__new__  # Hit(...) without the namedtuple's Python-level __new__
            for i in where:
                pos = offsets[i]
                for index, w, start, end, labels in found[i]:
                    lists[index].append(new_hit(Hit, (w, pos + start, pos + end, labels)))
        return tokens, dict(zip(self.names, lists, strict=True))
