"""Features of an analysed item: words, character n-grams and the rules' evidence.

Four blocks, each TF-IDF weighted (sublinear tf) and L2-normalised on its own:
- words: the jieba tokens (profile dictionary), lower-cased (bigrams did not help in
  cross-validation);
- chars: character 1–3-grams of the letters/digits/CJK of the text, packed into uint64 keys
  (21 bits per code point) and looked up in a numpy hash table (`sparse.KeyIndex`) — no
  Python per n-gram;
- rules: what the rules found (rule_features.py: source type, place evidence, rule
  categories, gazetteer town, rule lead department, relevance verdict), so a model learns
  when to trust them;
- reach: reach.py's scale and reach cues (counts of people, 村民们/全村…, metrics bins).
- situation: the routing guide's recurring situations (situations.py), for the lead head.
Each head weighs the blocks differently (training.BLOCK_WEIGHTS).
Feature names (for explanations) are the word, the n-gram, or the rule feature's name.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, repeat

import numpy as np
import scipy.sparse as sp

from classifiers.analysis import Analysis
from classifiers.minhash import code_points, shingle_core
from classifiers.reach import reach_features, scale_features
from classifiers.rule_features import rule_features
from classifiers.situations import PREFIXES as SITUATION_PREFIXES
from classifiers.situations import situation_features
from classifiers.sparse import KeyIndex, tfidf_matrix

CHAR_N = (1, 2, 3)
BLOCKS = ("word", "char", "rule", "reach", "situation")
REACH_PREFIXES = ("scale:", "one:", "reach:")  # reach.py's features: their own block
EXTRA_FEATURES = True  # reach and scale (reach.py) in the rules block
SITUATION_FEATURES = True  # the routing guide's situations (situations.py): the last block
_CACHED = ("_names", "_index", "_interned")  # built from the vocabulary


@dataclass
class Doc:
    """What the features are computed from (kept small: the training set holds ~2,000)."""

    words: list[str]
    chars: np.ndarray
    rules: list[str]


def char_keys(text: str) -> np.ndarray:
    """All character 1–3-gram keys (with repeats) of the text's letters, digits and CJK."""
    core = shingle_core(text)
    if not core:
        return np.zeros(0, dtype=np.uint64)
    cps = np.frombuffer(core.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    parts = [cps] if 1 in CHAR_N else []
    if 2 in CHAR_N and len(cps) >= 2:
        parts.append((cps[:-1] << np.uint64(21)) | cps[1:])
    if 3 in CHAR_N and len(cps) >= 3:
        parts.append((cps[:-2] << np.uint64(42)) | (cps[1:-1] << np.uint64(21)) | cps[2:])
    return np.concatenate(parts)


def batch_char_keys(
    texts: Sequence[str], cores: Sequence[str] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """`char_keys` of every text at once: (the keys, text after text, each text's in the
    order `char_keys` gives them; (len(texts) + 1) offsets). A few numpy calls per batch
    instead of a dozen per text. `cores`: the texts' `shingle_core`, when known already."""
    if cores is None:
        cores = [shingle_core(t) for t in texts]
    cps, starts = code_points(cores)
    n_docs, total = len(texts), len(cps)
    full = [cps]
    for n in CHAR_N[1:]:
        size = max(total - n + 1, 0)
        grams = cps[:size].copy()
        for j in range(1, n):
            grams <<= np.uint64(21)
            grams |= cps[j : j + size]
        full.append(grams)
    # segments doc by doc, n-gram size by size: where each starts in `flat`, how long
    bases, firsts = [], 0
    for grams in full:
        bases.append(starts[:-1] + firsts)
        firsts += len(grams)
    lengths = np.diff(starts)
    seg_base = np.stack(bases, axis=1).ravel()
    seg_len = np.stack([np.maximum(lengths - (n - 1), 0) for n in CHAR_N], axis=1).ravel()
    offsets = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(seg_len.reshape(n_docs, len(CHAR_N)).sum(axis=1), out=offsets[1:])
    seg_out = np.zeros(len(seg_len), dtype=np.int64)
    np.cumsum(seg_len[:-1], out=seg_out[1:])
    index = np.repeat(seg_base - seg_out, seg_len) + np.arange(offsets[-1], dtype=np.int64)
    flat = np.concatenate(full) if total else np.zeros(0, dtype=np.uint64)
    return flat[index], offsets


def key_name(key: int) -> str:
    chars = []
    while key:
        chars.append(chr(key & 0x1FFFFF))
        key >>= 21
    return "".join(reversed(chars))


def make_doc(a: Analysis, chars: np.ndarray | None = None) -> Doc:
    """Words (jieba tokens; bigrams did not help in cross-validation), chars and rules;
    `chars`: the item's char keys when computed already (`make_docs`)."""
    rules = rule_features(a, a.short_towns, a.seat)
    if EXTRA_FEATURES:
        rules += scale_features(a.content[:5_000]) + reach_features(a.item.metrics)
    if SITUATION_FEATURES:
        rules += situation_features(a.content)
    if chars is None:
        chars = char_keys(a.content[:5_000])
    return Doc(list(a.tokens), chars, rules)


def make_docs(analyses: Sequence[Analysis]) -> list[Doc]:
    """`make_doc` of a batch, the char n-grams of all items computed together."""
    heads = [a.content[:5_000] for a in analyses]
    cores = [
        a.core if len(a.content) <= 5_000 else shingle_core(h)
        for a, h in zip(analyses, heads, strict=True)
    ]
    keys, offsets = batch_char_keys(heads, cores)
    bounds = offsets.tolist()
    return [
        make_doc(a, keys[lo:hi])
        for a, lo, hi in zip(analyses, bounds[:-1], bounds[1:], strict=True)
    ]


def _rule_block(name: str) -> int:
    """0: a rule feature, 1: reach (reach.py), 2: situation (situations.py)."""
    return 2 if name.startswith(SITUATION_PREFIXES) else int(name.startswith(REACH_PREFIXES))


class FeatureSpace:
    """Vocabulary and IDF of the three blocks; `transform` builds a CSR matrix."""

    def __init__(self, min_df: int = 2, max_words: int = 30_000, max_chars: int = 40_000):
        self.min_df = min_df
        self.max_words = max_words
        self.max_chars = max_chars
        self.words: dict[str, int] = {}
        self.char_vocab = np.zeros(0, dtype=np.uint64)
        self.rules: dict[str, int] = {}
        self.idf = np.zeros(0, dtype=np.float32)
        self.n_reach = 0
        self.n_situation = 0

    @property
    def offsets(self) -> tuple[int, ...]:
        """The first column of each block (BLOCKS); the reach, then the situation features
        are the last rule names (a bundle saved before them has none)."""
        rule_off = len(self.words) + len(self.char_vocab)
        situation_off = rule_off + len(self.rules) - self.__dict__.get("n_situation", 0)
        reach_off = situation_off - self.__dict__.get("n_reach", 0)
        return 0, len(self.words), rule_off, reach_off, situation_off

    @property
    def n_features(self) -> int:
        return len(self.words) + len(self.char_vocab) + len(self.rules)

    def fit(self, docs: Sequence[Doc]) -> FeatureSpace:
        for cached in _CACHED:  # built from the old vocabulary
            self.__dict__.pop(cached, None)
        n = len(docs)
        word_df = Counter(w for d in docs for w in set(d.words))
        char_df = Counter(int(k) for d in docs for k in np.unique(d.chars))
        rule_df = Counter(r for d in docs for r in set(d.rules))
        words = [w for w, c in word_df.most_common(self.max_words) if c >= self.min_df]
        chars = [k for k, c in char_df.most_common(self.max_chars) if c >= self.min_df]
        self.words = {w: i for i, w in enumerate(sorted(words))}
        self.char_vocab = np.array(sorted(chars), dtype=np.uint64)
        ordered = sorted(rule_df, key=lambda r: (_rule_block(r), r))
        self.rules = {r: i for i, r in enumerate(ordered)}
        self.n_reach = sum(_rule_block(r) == 1 for r in ordered)
        self.n_situation = sum(_rule_block(r) == 2 for r in ordered)
        df = np.array(
            [word_df[w] for w in self.words]
            + [char_df[int(k)] for k in self.char_vocab]
            + [rule_df[r] for r in self.rules],
            dtype=np.float64,
        )
        self.idf = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
        return self

    def transform(self, docs: Sequence[Doc]) -> sp.csr_matrix:
        """TF-IDF rows (sublinear tf, L2 per block) for a batch: every block's (row, column)
        occurrences are found with one vectorised lookup, then one matrix is built."""
        n = len(docs)
        n_words, n_chars = len(self.words), len(self.char_vocab)
        words = self.__dict__.get("_interned")
        if words is None:  # the vocabulary's words as the token memo's (textscan.py): a
            # lookup then finds its key by identity, without comparing the characters
            words = self.__dict__["_interned"] = {sys.intern(w): i for w, i in self.words.items()}
        word_rows, word_cols = self._ids(docs, words, lambda d: d.words)
        char_rows, char_cols = self._char_ids(docs)
        rule_rows, rule_cols = self._ids(docs, self.rules, lambda d: d.rules)
        rows = np.concatenate((word_rows, char_rows, rule_rows))
        cols = np.concatenate((word_cols, char_cols + n_words, rule_cols + n_words + n_chars))
        edges = np.array(self.offsets, dtype=np.int64)
        return tfidf_matrix(rows, cols, n, self.idf, edges)

    @staticmethod
    def _ids(docs: Sequence[Doc], vocab: dict[str, int], field) -> tuple[np.ndarray, np.ndarray]:
        lists = [field(d) for d in docs]
        lengths = [len(v) for v in lists]
        total = sum(lengths)
        cols = np.fromiter(map(vocab.get, chain.from_iterable(lists), repeat(-1)), np.int64, total)
        rows = np.repeat(np.arange(len(docs)), lengths)
        hit = cols >= 0
        return rows[hit], cols[hit]

    def _char_ids(self, docs: Sequence[Doc]) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every char n-gram of the vocabulary; the rows are found only
        for the n-grams found (from each doc's end offset), not for all of them."""
        keys = np.concatenate([d.chars for d in docs]) if docs else np.zeros(0, np.uint64)
        if not len(self.char_vocab) or not len(keys):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        index = self.__dict__.get("_index")
        if index is None:
            index = self.__dict__["_index"] = KeyIndex(self.char_vocab)
        pos = index.lookup(keys)
        at = np.flatnonzero(pos >= 0)
        ends = np.cumsum(np.fromiter((len(d.chars) for d in docs), np.int64, len(docs)))
        return np.searchsorted(ends, at, side="right"), pos.take(at)

    def name(self, column: int) -> str:
        _, char_off, rule_off = self.offsets[:3]
        if column < rule_off and column >= char_off:
            return key_name(int(self.char_vocab[column - char_off]))
        names = self.__dict__.get("_names")
        if names is None:
            names = self.__dict__["_names"] = (list(self.words), list(self.rules))
        return names[0][column] if column < char_off else names[1][column - rule_off]

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in _CACHED}
