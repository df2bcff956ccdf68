"""Sparse-matrix work of the classify stage's hot path, vectorised over a whole batch.

- `tfidf_matrix`: (row, column) occurrences of a batch → its TF-IDF CSR matrix (sublinear tf,
  L2-normalised per block of columns) with one sort of the batch's occurrences, instead of
  a matrix per block and an `hstack`. The values are those of the per-block computation
  (same float32 arithmetic, same summation order in the L2 norm), so the model's scores do
  not change.
- `top_contributions`: for many (row, output) pairs at once, the columns whose value ×
  weight raised that output the most — the model's explanation — without a Python loop
  over the row's features.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2


def tfidf_matrix(
    rows: np.ndarray, cols: np.ndarray, n_rows: int, idf: np.ndarray, edges: np.ndarray
) -> sp.csr_matrix:
    """`rows`, `cols`: one entry per occurrence (repeats are the term counts); `edges`: the
    first column of each block (ascending, starting at 0); `idf`: float32 per column."""
    n_cols = len(idf)
    n_blocks = len(edges)
    key = rows.astype(np.int64) * n_cols + cols.astype(np.int64)
    key.sort()
    if len(key):
        new = np.empty(len(key), dtype=bool)
        new[0] = True
        np.not_equal(key[1:], key[:-1], out=new[1:])
        starts = np.flatnonzero(new)
        counts = np.diff(np.append(starts, len(key)))
        row, col = np.divmod(key[starts], n_cols)
    else:
        counts = row = col = np.zeros(0, dtype=np.int64)
    data = (1 + np.log(counts.astype(np.float32))) * idf[col]
    block = np.searchsorted(edges, col, side="right") - 1
    segments = np.bincount(row * n_blocks + block, minlength=n_rows * n_blocks)
    seg_ptr = np.zeros(n_rows * n_blocks + 1, dtype=np.int64)
    np.cumsum(segments, out=seg_ptr[1:])
    indices = col.astype(np.int32)
    by_block = sp.csr_matrix((data, indices, seg_ptr), shape=(n_rows * n_blocks, n_cols))
    inplace_csr_row_normalize_l2(by_block)  # each (row, block) segment on its own
    return sp.csr_matrix(
        (by_block.data, by_block.indices, seg_ptr[::n_blocks].copy()), shape=(n_rows, n_cols)
    )


def top_contributions(
    x: sp.csr_matrix, weights_t: np.ndarray, rows: np.ndarray, outputs: np.ndarray, k: int = 3
) -> list[list[int]]:
    """For each pair (rows[i], outputs[i]): up to `k` columns with the largest positive
    x[row, col] × weights[col, output], largest first (ties: the lower column first).
    `weights_t`: the weights transposed, (n_outputs, n_features), C-contiguous float32."""
    found: list[list[int]] = [[] for _ in range(len(rows))]
    sub = x[np.asarray(rows, dtype=np.int64)]  # the pairs' rows, one after the other
    lengths = np.diff(sub.indptr)
    if not sub.nnz:
        return found
    cols = sub.indices.astype(np.int64)
    flat = np.repeat(np.asarray(outputs, dtype=np.int64) * weights_t.shape[1], lengths)
    flat += cols
    contrib = sub.data * weights_t.ravel().take(flat)
    keep = np.flatnonzero(contrib > 0)
    pair = np.searchsorted(np.cumsum(lengths), keep, side="right")
    cols, contrib = cols.take(keep), contrib.take(keep)
    if not len(pair):
        return found
    # a positive float32's bits order like its value: one int64 sort ranks every pair at once
    bits = contrib.view(np.int32).astype(np.int64)
    ranked = np.sort((pair << 32) | (0x7FFFFFFF - bits))
    ranked_pair = ranked >> 32
    first = np.flatnonzero(np.concatenate(([True], ranked_pair[1:] != ranked_pair[:-1])))
    ends = np.append(first[1:], len(ranked))
    kth = np.minimum(first + k, ends) - 1  # the k-th best (or the last) of each pair
    floor = np.zeros(len(rows), dtype=np.int64)
    floor[ranked_pair[first]] = 0x7FFFFFFF - (ranked[kth] & 0xFFFFFFFF)
    best = np.flatnonzero(bits >= floor[pair])  # the top k of each pair, and equals
    order = np.lexsort((cols[best], -bits[best], pair[best]))
    for p, c in zip(pair[best][order].tolist(), cols[best][order].tolist(), strict=True):
        if len(found[p]) < k:
            found[p].append(c)
    return found
