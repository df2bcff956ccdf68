"""Event clustering: items about the same event share an `event_id`.

Near-duplicates (reposts, copied news) are found by MinHash LSH over character shingles
(datasketch computes the signature; the LSH bands live in the StateStore, namespace
"event_index", so every worker and every replay sees the same index). A reply joins its
parent's event. The item → event mapping is stored with an expiry: replaying an item gives
its stored id; a first item's id is derived from its own id, so even an expired index
gives the same answer for it.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from collections.abc import Callable

import numpy as np
from datasketch import MinHash

from pipeline.models import Item
from pipeline.storage.base import StateStore

NAMESPACE = "event_index"
NUM_PERM = 64
BANDS = 16  # 16 bands × 4 rows: candidates from Jaccard ≈ 0.5
ROWS = NUM_PERM // BANDS
SHINGLE = 3
MIN_SHINGLES = 8  # shorter texts ("顶", "同问") are not matched by content
JOIN_THRESHOLD = 0.5
DEFAULT_WINDOW_DAYS = 30

_NOT_WORD = re.compile(r"[^0-9a-zA-Z\u4e00-\u9fff]+")
_MASKS = re.compile(r"【[^】]{1,6}】")


def new_event_id(item_id: str) -> str:
    return "ev-" + hashlib.sha1(item_id.encode("utf-8")).hexdigest()[:16]


def shingles(text: str) -> set[str]:
    core = _NOT_WORD.sub("", _MASKS.sub("", text)).lower()
    return {core[i : i + SHINGLE] for i in range(max(0, len(core) - SHINGLE + 1))}


class EventIndex:
    """Assigns event ids through a StateStore shared by all workers."""

    def __init__(
        self,
        state: StateStore,
        window_days: float = DEFAULT_WINDOW_DAYS,
        clock: Callable[[], float] = time.time,
    ):
        self.state = state
        self.window_s = window_days * 86_400
        self.clock = clock
        self._template = MinHash(num_perm=NUM_PERM, seed=7)

    def assign(self, item: Item, text: str, index_content: bool = True) -> tuple[str, str]:
        """(event_id, how) for an item; `text` is its normalised, masked title + text."""
        key = f"item:{item.id}"
        known = self.state.get(NAMESPACE, key)
        if known:
            return str(known), "已登记"
        expires = self.clock() + self.window_s
        if item.parent_id:
            parent_event = self.state.put_if_absent(
                NAMESPACE, f"item:{item.parent_id}", new_event_id(item.parent_id), expires
            )
            return str(self.state.put_if_absent(NAMESPACE, key, parent_event, expires)), "跟帖"
        grams = shingles(text)
        if len(grams) < MIN_SHINGLES or not index_content:
            event = self.state.put_if_absent(NAMESPACE, key, new_event_id(item.id), expires)
            return str(event), "新事件"
        signature = self._signature(grams)
        bands = self._band_keys(signature)
        event, how = self._match(bands, signature), "近似重复"
        if event is None:
            event, how = new_event_id(item.id), "新事件"
        event = str(self.state.put_if_absent(NAMESPACE, key, event, expires))
        if how == "新事件":
            self.state.put_if_absent(NAMESPACE, f"sig:{event}", signature.tolist(), expires)
            for band in bands:
                self.state.put_if_absent(NAMESPACE, band, event, expires)
        return event, how

    def _signature(self, grams: set[str]) -> np.ndarray:
        mh = self._template.copy()
        mh.update_batch([g.encode("utf-8") for g in sorted(grams)])
        return mh.hashvalues

    @staticmethod
    def _band_keys(signature: np.ndarray) -> list[str]:
        keys = []
        for b in range(BANDS):
            chunk = signature[b * ROWS : (b + 1) * ROWS].astype(np.uint64).tobytes()
            keys.append(f"band:{b}:{hashlib.blake2b(chunk, digest_size=8).hexdigest()}")
        return keys

    def _match(self, bands: list[str], signature: np.ndarray) -> str | None:
        votes: Counter[str] = Counter()
        for band in bands:
            event = self.state.get(NAMESPACE, band)
            if event:
                votes[str(event)] += 1
        for event, _ in votes.most_common(3):
            stored = self.state.get(NAMESPACE, f"sig:{event}")
            if stored is None:
                continue
            similarity = float(np.mean(np.asarray(stored, dtype=np.uint64) == signature))
            if similarity >= JOIN_THRESHOLD:
                return event
        return None
