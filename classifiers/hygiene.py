"""Corpus hygiene: the test split must stay unseen.

Two checks before any training: no event key may span train and test (the split is by
event), and no training item may be a near-duplicate of a test item (MinHash over character
3-shingles, confirmed by the exact Jaccard similarity). Near-duplicates are reported and
dropped from training; a shared event is an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from classifiers.corpus import CorpusItem
from classifiers.minhash import MinHasher, jaccard, shingle_keys

NEAR_DUP_THRESHOLD = 0.7
NUM_PERM = 128


class SplitError(ValueError):
    """The train and test splits share an event."""


@dataclass
class NearDuplicate:
    train_id: str
    test_id: str
    similarity: float


@dataclass
class HygieneReport:
    train_in: int = 0
    test: int = 0
    threshold: float = NEAR_DUP_THRESHOLD
    near_duplicates: list[NearDuplicate] = field(default_factory=list)

    @property
    def dropped(self) -> set[str]:
        return {d.train_id for d in self.near_duplicates}

    def summary(self) -> str:
        lines = [
            f"corpus: {self.train_in} train, {self.test} test items; events disjoint",
            f"near-duplicates of test items in train (Jaccard ≥ {self.threshold}): "
            f"{len(self.near_duplicates)}, dropped {len(self.dropped)}",
        ]
        for d in self.near_duplicates[:20]:
            lines.append(f"  {d.train_id} ≈ {d.test_id} ({d.similarity:.2f})")
        return "\n".join(lines)


def text_of(item: CorpusItem) -> str:
    return f"{item.title}\n{item.text}" if item.title else item.text


def check_event_split(train: list[CorpusItem], test: list[CorpusItem]) -> None:
    """Raise SplitError if an event key occurs in both splits."""
    shared = {i.event for i in train} & {i.event for i in test}
    if shared:
        raise SplitError(
            f"{len(shared)} event(s) span train and test: {', '.join(sorted(shared)[:10])}"
        )


def find_near_duplicates(
    train: list[CorpusItem],
    test: list[CorpusItem],
    threshold: float = NEAR_DUP_THRESHOLD,
) -> list[NearDuplicate]:
    """Train items whose text is a near-duplicate of some test item."""
    if not train or not test:
        return []
    hasher = MinHasher(NUM_PERM, seed=11)
    train_keys = [shingle_keys(text_of(i)) for i in train]
    test_keys = [shingle_keys(text_of(i)) for i in test]
    train_sigs = hasher.signatures(train_keys)
    test_sigs = hasher.signatures(test_keys)
    found: list[NearDuplicate] = []
    margin = 0.15  # MinHash estimates with 128 permutations: σ ≈ 0.04; verify exactly
    for t, sig in enumerate(test_sigs):
        if len(test_keys[t]) == 0:
            continue
        estimates = (train_sigs == sig).mean(axis=1)
        for r in np.nonzero(estimates >= threshold - margin)[0]:
            if len(train_keys[r]) == 0:
                continue
            exact = jaccard(train_keys[r], test_keys[t])
            if exact >= threshold:
                found.append(NearDuplicate(train[r].id, test[t].id, round(exact, 3)))
    found.sort(key=lambda d: -d.similarity)
    return found


def clean_training_set(
    train: list[CorpusItem], test: list[CorpusItem], threshold: float = NEAR_DUP_THRESHOLD
) -> tuple[list[CorpusItem], HygieneReport]:
    """Checks the split, drops near-duplicates of test items; returns (train kept, report)."""
    check_event_split(train, test)
    report = HygieneReport(train_in=len(train), test=len(test), threshold=threshold)
    report.near_duplicates = find_near_duplicates(train, test, threshold)
    dropped = report.dropped
    return [i for i in train if i.id not in dropped], report
