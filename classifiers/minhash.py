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
    if "【" in text:  # most texts have no mask: skip that regex pass
        text = _MASKS.sub("", text)
    return _NOT_WORD.sub("", text).lower()


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


def code_points(cores: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The code points of all `cores` one after the other (uint64), and where each starts."""
    lengths = np.fromiter(map(len, cores), np.int64, len(cores))
    starts = np.zeros(len(cores) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    joined = "".join(cores).encode("utf-32-le")
    return np.frombuffer(joined, dtype=np.uint32).astype(np.uint64), starts


def mix(keys: np.ndarray) -> np.ndarray:
    """A key's 32-bit hash, the input of the permutations."""
    return (keys * _GOLDEN) >> np.uint64(32)


def batch_shingle_hashes(
    cores: Sequence[str], at_least: int = 1, k: int = SHINGLE
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The k-shingles of every core at once, as MinHash needs them: (each doc's distinct
    hashes (`mix`), doc after doc; (len(cores) + 1) offsets into them; whether the doc has at
    least `at_least` distinct shingles). One sort for the batch instead of a dozen numpy
    calls per text. Two shingles of a doc with one hash give the same minimum, so the
    signatures equal `signature(shingle_keys(core))`; the count is exact (a doc whose
    hashes collide is counted again by its keys)."""
    cps, starts = code_points(cores)
    n_docs = len(cores)
    lengths = np.diff(starts)
    counts = np.maximum(lengths - (k - 1), 0)
    n = len(cps) - k + 1
    offsets = np.zeros(n_docs + 1, dtype=np.int64)
    if n <= 0 or not counts.any():
        return EMPTY, offsets, np.zeros(n_docs, dtype=bool)
    keys = cps[:n].copy()
    for j in range(1, k):
        keys <<= np.uint64(21)
        keys |= cps[j : j + n]
    # the shingles that start in a doc and end in it: drop those crossing a boundary
    ends = np.cumsum(counts)
    index = np.repeat(starts[:-1] - (ends - counts), counts) + np.arange(ends[-1])
    keys = keys[index]
    doc = np.repeat(np.arange(n_docs, dtype=np.uint64), counts)
    packed = np.sort((doc << np.uint64(32)) | mix(keys))
    distinct = np.ones(len(packed), dtype=bool)
    np.not_equal(packed[1:], packed[:-1], out=distinct[1:])
    packed = packed[distinct]
    sizes = np.bincount((packed >> np.uint64(32)).astype(np.int64), minlength=n_docs)
    np.cumsum(sizes, out=offsets[1:])
    enough = sizes >= at_least
    for d in np.flatnonzero(~enough & (counts >= at_least)).tolist():
        doc_keys = keys[ends[d] - counts[d] : ends[d]]
        enough[d] = len(np.unique(doc_keys)) >= at_least  # hashes collided: count the keys
    return packed & MAX_HASH, offsets, enough


class MinHasher:
    """MinHash signatures with `num_perm` permutations (seeded: stable across processes).

    The permutations are computed in buffers of `CHUNK` keys that stay in the CPU cache,
    every step in place (about three times faster than one broadcast expression per step):
    the fast `_permute_plus_one` in (num_perm, CHUNK) blocks, the exact `_permute` (for the
    rare minimum the fast one cannot vouch for) in (CHUNK, num_perm) rows."""

    CHUNK = 1024

    def __init__(self, num_perm: int = 64, seed: int = 7):
        rng = np.random.RandomState(seed)
        self.num_perm = num_perm
        self.a = rng.randint(1, 1 << 32, size=(num_perm, 1), dtype=np.uint64)
        self.b = rng.randint(0, 1 << 32, size=(num_perm, 1), dtype=np.uint64)
        self._a_row = np.ascontiguousarray(self.a[:, 0])
        self._b_row = np.ascontiguousarray(self.b[:, 0])
        self._b1 = self.b + np.uint64(1)  # `_permute_plus_one`'s b + 1, a column

    def _permute(self, mixed: np.ndarray, out: np.ndarray, high: np.ndarray) -> np.ndarray:
        """`((a·x + b) mod (2^61 − 1)) & MAX_HASH` for every hash x (a row each) and
        permutation (a column each), into `out`, with `high` as scratch (both (n, num_perm)).
        No division or masked assignment: a, x, b < 2^32, so v = a·x + b < 2^64 − 2^32;
        y = (v & M) + (v >> 61) ≤ M + 7 is v mod M unless y ≥ M, when it is y − M, whose
        low 32 bits are those of y + 1 (M's are all ones); and y ≥ M exactly when
        (y + 1) >> 61."""
        np.multiply(mixed[:, None], self._a_row, out=out)
        out += self._b_row
        np.right_shift(out, np.uint64(61), out=high)
        out &= MERSENNE
        out += high  # y
        np.add(out, np.uint64(1), out=high)
        high >>= np.uint64(61)  # 1 where y ≥ M
        out += high
        out &= MAX_HASH
        return out

    def _permute_plus_one(self, mixed: np.ndarray, out: np.ndarray, high: np.ndarray) -> np.ndarray:
        """s = low 32 bits of w + (w >> 61), w = a·x + b + 1, into a (num_perm, n) block (a
        permutation a row: the per-doc minimum then runs along contiguous memory, ~30%
        faster here than the key-a-row layout): four steps where `_permute` takes eight.
        Where s ≥ 8 the permuted value is exactly s − 1 (w ≡ y + 1 mod 2^61 for `_permute`'s
        y, and y ≥ M forces s ≤ 7; w crossing 2^61 only makes s = y − M + 1 ≤ 8, still
        s − 1); a minimum s ≤ 7 is recomputed exactly by the caller."""
        np.multiply(self.a, mixed[None, :], out=out)
        out += self._b1
        np.right_shift(out, np.uint64(61), out=high)
        out += high
        out &= MAX_HASH
        return out

    def _permuted(self, keys: np.ndarray) -> np.ndarray:
        """(num_perm, len(keys)): every permutation of every key."""
        out = np.empty((len(keys), self.num_perm), dtype=np.uint64)
        return self._permute(mix(keys), out, np.empty_like(out)).T

    def signature(self, keys: np.ndarray) -> np.ndarray:
        """(num_perm,) uint64; all MAX_HASH for no shingles (similar to nothing)."""
        return self.signatures([keys])[0]

    def signatures(self, key_sets: Sequence[np.ndarray], chunk: int = 0) -> np.ndarray:
        """(len(key_sets), num_perm) signatures, computed in bulk."""
        lengths = np.fromiter(map(len, key_sets), np.int64, len(key_sets))
        offsets = np.zeros(len(key_sets) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        keys = np.concatenate(key_sets) if len(key_sets) else EMPTY
        return self.signatures_of_hashes(mix(keys.astype(np.uint64)), offsets, chunk)

    def signatures_of_hashes(
        self, mixed: np.ndarray, offsets: np.ndarray, chunk: int = 0
    ) -> np.ndarray:
        """Signatures of the hash sets mixed[offsets[i]:offsets[i + 1]] (`mix` of the keys,
        repeats allowed: they do not change a minimum), chunk by chunk of keys. The fast
        `_permute_plus_one` does the batch; the rare doc whose minimum it cannot vouch for
        (a few in 10^5) is recomputed with the exact `_permute`: the same values."""
        out = self._fast_minimums(mixed, offsets, chunk)
        doubtful = np.flatnonzero((out <= 7).any(axis=1))
        out -= np.uint64(1)  # s − 1; a doc without keys: 2^32 − 1 = MAX_HASH
        if len(doubtful):
            parts = [mixed[offsets[d] : offsets[d + 1]] for d in doubtful.tolist()]
            sub = np.zeros(len(parts) + 1, dtype=np.int64)
            np.cumsum([len(p) for p in parts], out=sub[1:])
            out[doubtful] = self._minimums(np.concatenate(parts), sub, chunk)
        return out

    def _fast_minimums(self, mixed: np.ndarray, offsets: np.ndarray, chunk: int) -> np.ndarray:
        """Per doc and permutation, the minimum s of `_permute_plus_one` over the doc's
        hashes (2^32 for a doc without any), block by block of (num_perm, chunk)."""
        chunk = chunk or self.CHUNK
        out = np.full((self.num_perm, len(offsets) - 1), 1 << 32, dtype=np.uint64)
        size = min(chunk, len(mixed))
        buf = np.empty((self.num_perm, size), dtype=np.uint64)
        high = np.empty_like(buf)
        for lo, hi, here, starts in _spans(offsets, len(mixed), chunk):
            block = self._permute_plus_one(mixed[lo:hi], buf[:, : hi - lo], high[:, : hi - lo])
            mins = np.minimum.reduceat(block, starts, axis=1)
            out[:, here] = np.minimum(out[:, here], mins)
        return np.ascontiguousarray(out.T)

    def _minimums(self, mixed: np.ndarray, offsets: np.ndarray, chunk: int) -> np.ndarray:
        """Per doc and permutation, the minimum of the exact `_permute` over the doc's
        hashes (MAX_HASH for a doc without any), block by block of (chunk, num_perm)."""
        chunk = chunk or self.CHUNK
        out = np.full((len(offsets) - 1, self.num_perm), MAX_HASH, dtype=np.uint64)
        size = min(chunk, len(mixed))
        buf = np.empty((size, self.num_perm), dtype=np.uint64)
        high = np.empty_like(buf)
        for lo, hi, here, starts in _spans(offsets, len(mixed), chunk):
            block = self._permute(mixed[lo:hi], buf[: hi - lo], high[: hi - lo])
            mins = np.minimum.reduceat(block, starts, axis=0)
            out[here] = np.minimum(out[here], mins)
        return out


def _spans(offsets: np.ndarray, total: int, chunk: int):
    """Per block [lo, hi) of `chunk` keys: the docs with keys in it and where each doc's
    part starts in the block."""
    firsts = offsets[:-1]
    docs = np.flatnonzero(np.diff(offsets))  # non-empty docs, in order
    for lo in range(0, total, chunk):
        hi = min(lo + chunk, total)
        first = int(np.searchsorted(firsts[docs], lo, side="right")) - 1
        last = int(np.searchsorted(firsts[docs], hi, side="left"))
        here = docs[max(first, 0) : last]
        yield lo, hi, here, np.maximum(firsts[here], lo) - lo


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.mean(a == b))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two shingle key sets."""
    if len(a) == 0 and len(b) == 0:
        return 1.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)
