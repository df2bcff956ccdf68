"""Vectorised MinHash over character shingles (numpy; no per-shingle Python work).

A shingle of k ≤ 3 characters is packed into one uint64 key (21 bits per code point), so
shingling is a few numpy operations on the text's UTF-32 code points. Each key is mixed to
32 bits and permuted by `(a·x + b) mod (2^61 − 1)` for all permutations at once, the same
family datasketch uses. `MinHasher.signatures` does a whole batch in one matrix operation
(`np.minimum.reduceat`), which is what makes bulk de-duplication cheap.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

SHINGLE = 3
MERSENNE = np.uint64((1 << 61) - 1)
MAX_HASH = np.uint64((1 << 32) - 1)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_NOT_WORD = re.compile(r"[^0-9a-zA-Z\u4e00-\u9fff]+")
_MASKS = re.compile(r"【[^】]{1,6}】")
EMPTY = np.zeros(0, dtype=np.uint64)


def shingle_core(text: str) -> str:
    """Letters, digits and CJK only, lower-cased; PII masks dropped (reposts differ there)."""
    return _NOT_WORD.sub("", _MASKS.sub("", text)).lower()


def shingle_keys(text: str, k: int = SHINGLE, core: bool = False) -> np.ndarray:
    """The distinct k-character shingles of `text` as packed uint64 keys."""
    body = text if core else shingle_core(text)
    if len(body) < k:
        return EMPTY
    cps = np.frombuffer(body.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(cps) - k + 1
    keys = cps[:n].copy()
    for j in range(1, k):
        keys = (keys << np.uint64(21)) | cps[j : j + n]
    return np.unique(keys)


class MinHasher:
    """MinHash signatures with `num_perm` permutations (seeded: stable across processes)."""

    def __init__(self, num_perm: int = 64, seed: int = 7):
        rng = np.random.RandomState(seed)
        self.num_perm = num_perm
        self.a = rng.randint(1, 1 << 32, size=(num_perm, 1), dtype=np.uint64)
        self.b = rng.randint(0, 1 << 32, size=(num_perm, 1), dtype=np.uint64)

    def _permuted(self, keys: np.ndarray) -> np.ndarray:
        """`((a·x + b) mod (2^61 − 1)) & MAX_HASH` without a division: a, x, b < 2^32, so
        a·x + b < 2^64 and x mod (2^61 − 1) = (x & M) + (x >> 61), less M once if ≥ M."""
        mixed = (keys * _GOLDEN) >> np.uint64(32)
        x = self.a * mixed[None, :]
        x += self.b
        y = x & MERSENNE
        x >>= np.uint64(61)
        y += x
        y[y >= MERSENNE] -= MERSENNE
        y &= MAX_HASH
        return y

    def signature(self, keys: np.ndarray) -> np.ndarray:
        """(num_perm,) uint64; all MAX_HASH for no shingles (similar to nothing)."""
        if len(keys) == 0:
            return np.full(self.num_perm, MAX_HASH, dtype=np.uint64)
        return self._permuted(keys).min(axis=1)

    def signatures(self, key_sets: Sequence[np.ndarray], chunk: int = 8192) -> np.ndarray:
        """(len(key_sets), num_perm) signatures, computed in bulk."""
        out = np.full((len(key_sets), self.num_perm), MAX_HASH, dtype=np.uint64)
        start = 0
        while start < len(key_sets):
            stop, size = start, 0
            while stop < len(key_sets) and (size == 0 or size + len(key_sets[stop]) <= chunk):
                size += len(key_sets[stop])
                stop += 1
            block = [k for k in key_sets[start:stop]]
            lengths = np.array([len(k) for k in block])
            rows = np.nonzero(lengths)[0]
            if len(rows):
                permuted = self._permuted(np.concatenate([block[r] for r in rows]))
                offsets = np.concatenate([[0], np.cumsum(lengths[rows])[:-1]])
                out[start + rows] = np.minimum.reduceat(permuted, offsets, axis=1).T
            start = stop
        return out


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.mean(a == b))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two shingle key sets."""
    if len(a) == 0 and len(b) == 0:
        return 1.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)
