"""The fast MinHash path (`_permute_plus_one`) gives exactly the modulo's values, also on
the rare minima it cannot vouch for (recomputed with the exact `_permute`)."""

from __future__ import annotations

import numpy as np

from classifiers.minhash import MAX_HASH, MERSENNE, MinHasher

M = (1 << 61) - 1


def reference(a: list[int], b: list[int], docs: list[list[int]]) -> np.ndarray:
    """Per doc and permutation: min over the doc's hashes of ((a·x + b) mod M) & MAX_HASH."""
    out = np.full((len(docs), len(a)), MAX_HASH, dtype=np.uint64)
    for d, xs in enumerate(docs):
        for p, (ap, bp) in enumerate(zip(a, b, strict=True)):
            if xs:
                out[d, p] = min(((ap * x + bp) % M) & 0xFFFFFFFF for x in xs)
    return out


def hasher_with(a: list[int], b: list[int]) -> MinHasher:
    hasher = MinHasher(len(a), seed=7)
    hasher.a = np.array(a, dtype=np.uint64)[:, None]
    hasher.b = np.array(b, dtype=np.uint64)[:, None]
    hasher._a_row = np.ascontiguousarray(hasher.a[:, 0])
    hasher._b_row = np.ascontiguousarray(hasher.b[:, 0])
    hasher._b1 = hasher.b + np.uint64(1)
    return hasher


def signatures(hasher: MinHasher, docs: list[list[int]], chunk: int = 0) -> np.ndarray:
    offsets = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum([len(d) for d in docs], out=offsets[1:])
    mixed = np.array([x for d in docs for x in d], dtype=np.uint64)
    return hasher.signatures_of_hashes(mixed, offsets, chunk)


def test_small_minima_and_the_carry_are_exact() -> None:
    """Crafted permutations whose values land on 0…7, on 2^32 − 1 and on the y ≥ M carry
    (v & M = M: w crosses 2^61; v & M = M − 2 with v >> 61 = 2), where s − 1 is not the
    value; every such doc must still equal the modulo."""
    a = [1, 1, 1, 1, 5]
    b = [0, M - 3, (1 << 62) + M - 5, 7, 11]
    docs = [
        [0xFFFFFFFF, 9, 100],  # a = 1, b = 0: the value 2^32 − 1 and small ones
        [3, 40, 41],  # a·3 + (M − 3) = M: the carry, value 0
        [0, 1, 2, 3],
        [1 << 20, 5],
        [],
        [123_456_789, 987_654_321, 0xFFFFFFF0],
    ]
    expected = reference(a, b, docs)
    hasher = hasher_with(a, b)
    for chunk in (0, 2, 3):
        assert (signatures(hasher, docs, chunk) == expected).all()


def test_random_docs_equal_the_modulo() -> None:
    hasher = MinHasher(64, seed=7)
    rng = np.random.RandomState(3)
    docs = [rng.randint(0, 1 << 32, size=rng.randint(0, 400)).tolist() for _ in range(40)]
    a, b = hasher._a_row.tolist(), hasher._b_row.tolist()
    expected = reference(a, b, docs)
    assert (signatures(hasher, docs) == expected).all()
    assert (signatures(hasher, docs, chunk=37) == expected).all()
    assert int(MERSENNE) == M
