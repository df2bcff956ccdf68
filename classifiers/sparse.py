"""Sparse-matrix work of the classify stage's hot path, vectorised over a whole batch.

- `tfidf_matrix`: (row, column) occurrences of a batch → its TF-IDF CSR matrix (sublinear tf,
  L2-normalised per block of columns) with one sort of the batch's occurrences, instead of
  a matrix per block and an `hstack`. The values are those of the per-block computation
  (same float32 arithmetic, same summation order in the L2 norm), so the model's scores do
  not change.
- `KeyIndex`: uint64 key → column (the char n-gram vocabulary), probed with numpy;
- `top_contributions`: for many (row, output) pairs at once, the columns whose value ×
  weight raised that output the most — the model's explanation — without a Python loop
  over the row's features.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

INT32_KEYS_BELOW = 2**31  # `tfidf_matrix` sorts int32 keys while rows × columns fit


class KeyIndex:
    """uint64 key → column, an open-addressing hash table probed with numpy (several times
    faster than `searchsorted` on unsorted queries). Key 0 never occurs (no code point 0)."""

    def __init__(self, keys: np.ndarray):
        size = 1 << max(4, int(len(keys) * 4 - 1).bit_length())
        self.shift = np.uint64(64 - size.bit_length() + 1)
        self.mask = size - 1
        self.keys = np.zeros(size, dtype=np.uint64)
        self.cols = np.full(size, -1, dtype=np.int32)  # int32: less memory to fetch from
        slots = self._slots(keys)
        for col, (key, slot) in enumerate(zip(keys.tolist(), slots.tolist(), strict=True)):
            while self.keys[slot]:
                slot = (slot + 1) & self.mask
            self.keys[slot] = key
            self.cols[slot] = col

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        slots = keys * np.uint64(0x9E3779B97F4A7C15)
        slots >>= self.shift  # < 2^63 after the shift: the same values as int64, no copy
        return slots.view(np.int64)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Column of each key, −1 when unknown. The first probe is done for all keys at
        once; only the few keys whose home slot holds another key probe further."""
        slots = self._slots(keys)
        found = self.keys.take(slots)
        out = self.cols.take(slots)
        miss = found != keys
        np.putmask(out, miss, -1)
        active = np.flatnonzero(miss)
        active = active[found.take(active) != 0]  # an empty home slot: unknown, no probe
        slots = (slots.take(active) + 1) & self.mask
        while len(active):
            found = self.keys[slots]
            hit = found == keys[active]
            out[active[hit]] = self.cols[slots[hit]]
            more = ~hit & (found != 0)
            active, slots = active[more], (slots[more] + 1) & self.mask
        return out


def tfidf_matrix(
    rows: np.ndarray, cols: np.ndarray, n_rows: int, idf: np.ndarray, edges: np.ndarray
) -> sp.csr_matrix:
    """`rows`, `cols`: one entry per occurrence (repeats are the term counts); `edges`: the
    first column of each block (ascending, starting at 0); `idf`: float32 per column."""
    n_cols = len(idf)
    n_blocks = len(edges)
    # one key per occurrence, row-major (a copy: sorted in place below); int32 when the
    # batch's keys fit (a batch of 200 rows of ~45,000 columns does): a faster sort
    wide = np.int32 if n_rows * n_cols < INT32_KEYS_BELOW else np.int64
    key = rows.astype(wide)
    key *= n_cols
    key += cols
    key.sort()
    if len(key):  # each distinct key once, with its count
        new = np.empty(len(key), dtype=bool)
        new[0] = True
        np.not_equal(key[1:], key[:-1], out=new[1:])
        starts = np.flatnonzero(new)
        counts = np.diff(np.append(starts, len(key)))
        key = key[starts].astype(np.int64)
    else:
        key, counts = key.astype(np.int64), np.zeros(0, dtype=np.int64)
    # the keys are sorted: each (row, block) segment starts where its first key would be
    firsts = (np.arange(n_rows, dtype=np.int64)[:, None] * n_cols + edges[None, :]).ravel()
    seg_ptr = np.empty(n_rows * n_blocks + 1, dtype=np.int64)
    seg_ptr[:-1] = np.searchsorted(key, firsts)
    seg_ptr[-1] = len(key)
    row_ptr = seg_ptr[::n_blocks].copy()
    col = key - np.repeat(np.arange(n_rows, dtype=np.int64) * n_cols, np.diff(row_ptr))
    data = (1 + np.log(counts.astype(np.float32))) * idf[col]
    indices = col.astype(np.int32)
    by_block = sp.csr_matrix((data, indices, seg_ptr), shape=(n_rows * n_blocks, n_cols))
    inplace_csr_row_normalize_l2(by_block)  # each (row, block) segment on its own
    return sp.csr_matrix((by_block.data, by_block.indices, row_ptr), shape=(n_rows, n_cols))


def top_contributions(
    x: sp.csr_matrix, weights_t: np.ndarray, rows: np.ndarray, outputs: np.ndarray, k: int = 3
) -> list[list[int]]:
    """For each pair (rows[i], outputs[i]): up to `k` columns with the largest positive
    x[row, col] × weights[col, output], largest first (ties: the lower column first).
    `weights_t`: the weights transposed, (n_outputs, n_features), C-contiguous float32.

    The pairs' rows are gathered one after the other; then k rounds of a segmented maximum
    (`np.maximum.reduceat`) pick each pair's best remaining column — a few passes over the
    contributions instead of sorting them all."""
    found: list[list[int]] = [[] for _ in range(len(rows))]
    if not len(rows) or not x.nnz:
        return found
    if not x.has_sorted_indices:
        x = x.sorted_indices()
    # the pairs taken output by output: each output's weights (one row of `weights_t`) are
    # then read while in cache, not fetched again for every pair (~20% off this function)
    order = np.argsort(outputs, kind="stable")
    rows = np.asarray(rows, dtype=np.int64).take(order)
    outputs = np.asarray(outputs, dtype=np.int64).take(order)
    gathered = x[rows]  # the pairs' rows one after the other (a C++ row gather)
    lengths = np.diff(gathered.indptr)
    if not gathered.nnz:
        return found
    # positions in the flattened weights: int32 (half the memory traffic) when they fit
    wide = np.int32 if weights_t.size < 2**31 else np.int64
    flat = np.repeat((outputs * weights_t.shape[1]).astype(wide), lengths)
    flat += gathered.indices
    contrib = gathered.data * weights_t.ravel().take(flat)
    keep = np.flatnonzero(contrib > 0)  # only positive contributions explain
    if not len(keep):
        return found
    pair = np.repeat(np.arange(len(rows), dtype=np.int32), lengths).take(keep)
    cols, contrib = gathered.indices.take(keep), contrib.take(keep)
    first = np.flatnonzero(np.concatenate(([True], pair[1:] != pair[:-1])))
    picked_pairs, picked_cols = [], []
    for _ in range(k):
        best = np.maximum.reduceat(contrib, first)
        live = best > 0
        if not live.any():
            break
        at = np.flatnonzero(contrib == np.repeat(best, np.diff(np.append(first, len(pair)))))
        at_pair = pair.take(at)
        # the first (lowest column: a row's columns ascend) of each pair's maxima
        lead = at.take(np.flatnonzero(np.concatenate(([True], at_pair[1:] != at_pair[:-1]))))
        lead = lead[contrib.take(lead) > 0]
        picked_pairs.append(pair.take(lead))
        picked_cols.append(cols.take(lead))
        contrib[lead] = 0  # taken: not > 0 in the next round
    pairs = order.take(np.concatenate(picked_pairs)).tolist()  # back to the callers' order
    for p, c in zip(pairs, np.concatenate(picked_cols).tolist(), strict=True):
        found[p].append(c)
    return found
