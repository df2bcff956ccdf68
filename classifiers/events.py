"""Event clustering: items about the same event share an `event_id`.

Near-duplicates (reposts, copied news) are found by MinHash LSH over character 3-shingles
(minhash.py: numpy, 64 permutations, 16 bands × 4 rows → candidates from Jaccard ≈ 0.5).
The item → event mapping and the bands live in the StateStore (namespace "event_index"), so
every worker and every replay sees the same index. A reply joins its parent's event. A first
item's id is derived from its own id, so even an expired index gives the same answer for it.

A batch costs two round trips to the store: one read of every key the batch needs and one
write of every new key (`get_many` / `put_many_if_absent` when the store has them — see
`BatchedState` — else key by key). Items of one batch see each other's new events.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from classifiers.minhash import MinHasher, shingle_core, shingle_keys
from pipeline.models import Item
from pipeline.storage.base import StateStore

NAMESPACE = "event_index"
NUM_PERM = 64
BANDS = 16  # 16 bands × 4 rows: candidates from Jaccard ≈ 0.5
ROWS = NUM_PERM // BANDS
MIN_SHINGLES = 8  # shorter texts ("顶", "同问") are not matched by content
JOIN_THRESHOLD = 0.5
DEFAULT_WINDOW_DAYS = 30
BAND_PREFIX = "band2"  # v2: numpy MinHash (the datasketch-era "band:" keys are not read)
_MIX = np.uint64(0x100000001B3)


def new_event_id(item_id: str) -> str:
    return "ev-" + hashlib.sha1(item_id.encode("utf-8")).hexdigest()[:16]


class BatchedState:
    """Batched reads and writes over a StateStore; uses the store's own `get_many` /
    `put_many_if_absent` (one query / one transaction) when it has them."""

    def __init__(self, state: StateStore):
        self.state = state
        self._get_many = getattr(state, "get_many", None)
        self._put_many = getattr(state, "put_many_if_absent", None)

    def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        if self._get_many is not None:
            return dict(self._get_many(NAMESPACE, list(keys)))
        found = {}
        for key in keys:
            value = self.state.get(NAMESPACE, key)
            if value is not None:
                found[key] = value
        return found

    def put_many_if_absent(self, entries: dict[str, Any], expires_at: float) -> dict[str, Any]:
        if not entries:
            return {}
        if self._put_many is not None:
            return dict(self._put_many(NAMESPACE, entries, expires_at))
        return {
            k: self.state.put_if_absent(NAMESPACE, k, v, expires_at) for k, v in entries.items()
        }


class EventIndex:
    """Assigns event ids through a StateStore shared by all workers."""

    def __init__(
        self,
        state: StateStore,
        window_days: float = DEFAULT_WINDOW_DAYS,
        clock: Callable[[], float] = time.time,
    ):
        self.state = BatchedState(state)
        self.window_s = window_days * 86_400
        self.clock = clock
        self.hasher = MinHasher(NUM_PERM, seed=7)

    def signature(self, text: str) -> np.ndarray | None:
        core = shingle_core(text)
        keys = shingle_keys(core, core=True)
        return self.hasher.signature(keys) if len(keys) >= MIN_SHINGLES else None

    @staticmethod
    def band_keys(signature: np.ndarray) -> list[str]:
        rows = signature.reshape(BANDS, ROWS).astype(np.uint64)
        mixed = rows[:, 0]
        for j in range(1, ROWS):
            mixed = mixed * _MIX ^ rows[:, j]
        return [f"{BAND_PREFIX}:{b}:{int(h):016x}" for b, h in enumerate(mixed)]

    def assign(self, item: Item, text: str, index_content: bool = True) -> tuple[str, str]:
        """(event_id, how) for an item; `text` is its normalised, masked title + text."""
        return self.assign_many([(item, text, index_content)])[0]

    def assign_many(self, entries: Sequence[tuple[Item, str, bool]]) -> list[tuple[str, str]]:
        expires = self.clock() + self.window_s
        sigs = [
            self.signature(text) if index and not it.parent_id else None
            for it, text, index in entries
        ]
        bands = [self.band_keys(s) if s is not None else [] for s in sigs]
        wanted = {f"item:{it.id}" for it, _, _ in entries}
        wanted |= {f"item:{it.parent_id}" for it, _, _ in entries if it.parent_id}
        wanted |= {b for bs in bands for b in bs}
        known = self.state.get_many(sorted(wanted))
        pending: dict[str, Any] = {}
        new_keys: dict[str, Any] = {}
        out: list[tuple[str, str]] = []
        for (item, _, _), sig, band in zip(entries, sigs, bands, strict=True):
            key = f"item:{item.id}"
            if key in known or key in pending:
                out.append((str(known.get(key, pending.get(key))), "已登记"))
                continue
            if item.parent_id:
                pkey = f"item:{item.parent_id}"
                event = known.get(pkey) or pending.get(pkey) or new_event_id(item.parent_id)
                pending.setdefault(pkey, event)
                how = "跟帖"
            elif sig is None:
                event, how = new_event_id(item.id), "新事件"
            else:
                match = self._match(band, sig, known, pending)
                event, how = (match, "近似重复") if match else (new_event_id(item.id), "新事件")
                if not match:
                    new_keys[f"sig:{event}"] = sig.tolist()
                    for b in band:
                        new_keys.setdefault(b, event)
                        pending.setdefault(b, event)
                    pending[f"sig:{event}"] = sig.tolist()
            pending[key] = event
            out.append((str(event), how))
        items = {k: v for k, v in pending.items() if k.startswith("item:") and k not in known}
        stored = self.state.put_many_if_absent(items, expires)
        self.state.put_many_if_absent(new_keys, expires)
        for n, (item, _, _) in enumerate(entries):
            winner = stored.get(f"item:{item.id}")
            if winner is not None and winner != out[n][0]:  # another worker was first
                out[n] = (str(winner), "已登记")
        return out

    def _match(
        self, bands: list[str], sig: np.ndarray, known: dict[str, Any], pending: dict[str, Any]
    ) -> str | None:
        votes: Counter[str] = Counter()
        for band in bands:
            event = pending.get(band) or known.get(band)
            if event:
                votes[str(event)] += 1
        for event, _ in votes.most_common(3):
            key = f"sig:{event}"
            stored = pending.get(key) or known.get(key)
            if stored is None:
                stored = self.state.get_many([key]).get(key)
                if stored is None:
                    continue
                known[key] = stored
            if float(np.mean(np.asarray(stored, dtype=np.uint64) == sig)) >= JOIN_THRESHOLD:
                return event
        return None
