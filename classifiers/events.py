"""Event clustering: items about the same event share an `event_id`.

Near-duplicates (reposts, copied news) are found by MinHash LSH over character 3-shingles
(minhash.py: numpy, 64 permutations, 16 bands × 4 rows → candidates from Jaccard ≈ 0.5).
The item → event mapping and the bands live in the StateStore (namespace "event_index"), so
every worker and every replay sees the same index. A reply joins its parent's event. A first
item's id is derived from its own id, so even an expired index gives the same answer for it.

Same-event reports that are not near-duplicates (the rumour, its rebuttal, the official
notice) join through anchor keys — same specific place, same category, the same or a
neighbouring day (event_keys.py) — kept in namespace "event_keys" for `key_window_days`
(default 3). A new event claims its keys atomically; when another worker claimed one first,
the new event becomes that worker's event, so racing workers agree.

A batch costs at most five round trips to the store: one read of the batch's index keys, one
of the signatures of the events its bands point to (a sixth while events indexed before the
compact signatures, `SIG_PREFIX`, are in the window), one of its anchor keys, one write of the
anchor keys it claims and one of its new index keys (`get_many` / `put_many_if_absent` when
the store has them — see `BatchedState` — else key by key). The batch's signatures are
computed together (`MinHasher.signatures_of_hashes`). Items of one batch see each other's new
events. Keys read live for the batch are not written again, so a batch of new events is a
plain insert. Once a minute the index sweeps a bounded stretch of expired keys out of the
store (`StateStore.sweep_expired`), so the windowed index stays bounded.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from classifiers.event_keys import EventFacts, anchor_keys
from classifiers.minhash import MinHasher, batch_shingle_hashes, shingle_core, shingle_keys
from pipeline.models import Item
from pipeline.storage.base import StateStore

NAMESPACE = "event_index"
NUM_PERM = 64
BANDS = 16  # 16 bands × 4 rows: candidates from Jaccard ≈ 0.5
ROWS = NUM_PERM // BANDS
MIN_SHINGLES = 8  # shorter texts ("顶", "同问") are not matched by content
JOIN_THRESHOLD = 0.5
DEFAULT_WINDOW_DAYS = 30
KEYS_NS = "event_keys"  # anchor keys (event_keys.py): same place, category and day
KEY_WINDOW_DAYS = 3
SWEEP_EVERY_S = 60  # expired keys are purged a bounded sweep at a time (sweep_expired)
BAND_PREFIX = "band2"  # v2: numpy MinHash (the datasketch-era "band:" keys are not read)
_MIX = np.uint64(0x100000001B3)
_BAND_NAMES = [f"{BAND_PREFIX}:{b}:" for b in range(BANDS)]
# An event's signature: "sig2:<event>" → base64 of its 64 little-endian uint64 (684 ASCII
# characters: the row stays in its B-tree page, where the JSON list's ~1,300 characters
# spilled to an overflow page, and reads back without the JSON parser). Events indexed
# before are still read from their "sig:<event>" JSON list; an older worker finds no "sig:"
# for a new event and only misses that near-duplicate candidate.
SIG_PREFIX = "sig2"
OLD_SIG_PREFIX = "sig"
_SIG_DTYPE = np.dtype("<u8")


def pack_signature(sig: np.ndarray) -> str:
    return base64.b64encode(sig.astype(_SIG_DTYPE).tobytes()).decode("ascii")


def unpack_signature(stored: Any) -> np.ndarray:
    """A stored signature as an array: packed (`pack_signature`) or an old JSON list."""
    if isinstance(stored, str):
        return np.frombuffer(base64.b64decode(stored), dtype=_SIG_DTYPE).astype(np.uint64)
    return np.asarray(stored, dtype=np.uint64)


Entry = tuple[Item, str, bool] | tuple[Item, str, bool, EventFacts | None]


class Assignment(NamedTuple):
    """An item's event, how it was found, and the other events it shows to be the same."""

    event_id: str
    how: str
    same_as: tuple[str, ...] = ()


def new_event_id(item_id: str) -> str:
    return "ev-" + hashlib.sha1(item_id.encode("utf-8")).hexdigest()[:16]


class BatchedState:
    """Batched reads and writes over a StateStore; uses the store's own `get_many` /
    `put_many_if_absent` (one query / one transaction) when it has them."""

    def __init__(self, state: StateStore):
        self.state = state
        self._get_many = getattr(state, "get_many", None)
        self._put_many = getattr(state, "put_many_if_absent", None)

    def get_many(self, keys: Sequence[str], namespace: str = NAMESPACE) -> dict[str, Any]:
        if not keys:
            return {}
        if self._get_many is not None:
            return dict(self._get_many(namespace, list(keys)))
        found = {}
        for key in keys:
            value = self.state.get(namespace, key)
            if value is not None:
                found[key] = value
        return found

    def put_many_if_absent(
        self, entries: dict[str, Any], expires_at: float, namespace: str = NAMESPACE
    ) -> dict[str, Any]:
        if not entries:
            return {}
        if self._put_many is not None:
            return dict(self._put_many(namespace, entries, expires_at))
        return {
            k: self.state.put_if_absent(namespace, k, v, expires_at) for k, v in entries.items()
        }


class EventIndex:
    """Assigns event ids through a StateStore shared by all workers."""

    def __init__(
        self,
        state: StateStore,
        window_days: float = DEFAULT_WINDOW_DAYS,
        clock: Callable[[], float] = time.time,
        key_window_days: float = KEY_WINDOW_DAYS,
    ):
        self.state = BatchedState(state)
        self.window_s = window_days * 86_400
        self.key_window_s = min(key_window_days, window_days) * 86_400
        self.clock = clock
        self.hasher = MinHasher(NUM_PERM, seed=7)
        self._next_sweep = time.monotonic() + SWEEP_EVERY_S

    def signature(self, text: str) -> np.ndarray | None:
        core = shingle_core(text)
        keys = shingle_keys(core, core=True)
        return self.hasher.signature(keys) if len(keys) >= MIN_SHINGLES else None

    def signatures(
        self, texts: Sequence[str | None], cores: Sequence[str] | None = None
    ) -> list[np.ndarray | None]:
        """`signature` of every text (None: not indexed), shingled and hashed as one batch;
        `cores`: each text's `shingle_core` when known already (analysis.Analysis.core)."""
        rows = [n for n, t in enumerate(texts) if t is not None]
        out: list[np.ndarray | None] = [None] * len(texts)
        if not rows:
            return out
        if cores is None:
            cores = [shingle_core(texts[n] or "") for n in rows]
        else:
            cores = [cores[n] for n in rows]
        hashes, offsets, enough = batch_shingle_hashes(cores, MIN_SHINGLES)
        sigs = self.hasher.signatures_of_hashes(hashes, offsets)
        for r, n in enumerate(rows):
            if enough[r]:
                out[n] = sigs[r]
        return out

    @staticmethod
    def band_keys(signature: np.ndarray) -> list[str]:
        return EventIndex.band_keys_many(signature[None, :])[0]

    @staticmethod
    def band_keys_many(signatures: np.ndarray) -> list[list[str]]:
        """`band_keys` of each row of a (n, NUM_PERM) signature matrix, hashed together."""
        rows = signatures.reshape(len(signatures), BANDS, ROWS).astype(np.uint64)
        mixed = rows[:, :, 0]
        for j in range(1, ROWS):
            mixed = mixed * _MIX ^ rows[:, :, j]
        # "band2:<b>:<16 hex digits>": the batch's hashes in hex at once (big-endian bytes),
        # cut and joined to their band names in C — not one format call per key
        digits = mixed.astype(">u8").tobytes().hex()
        cut = [digits[p : p + 16] for p in range(0, len(digits), 16)]
        keys = list(map(str.__add__, _BAND_NAMES * len(mixed), cut))
        return [keys[i : i + BANDS] for i in range(0, len(keys), BANDS)]

    def assign(
        self, item: Item, text: str, index_content: bool = True, facts: EventFacts | None = None
    ) -> Assignment:
        """The event of one item; `text` is its normalised, masked title + text."""
        return self.assign_many([(item, text, index_content, facts)])[0]

    def assign_many(
        self, entries: Sequence[Entry], cores: Sequence[str] | None = None
    ) -> list[Assignment]:
        """An Assignment per entry: (item, text, index_content[, facts]); `facts`
        (event_keys.event_facts) enables the same-place-same-category rule; `cores`: each
        text's `shingle_core`, when the caller has it."""
        now = self.clock()
        rows = [(e[0], e[1], e[2], e[3] if len(e) > 3 else None) for e in entries]  # type: ignore[misc]
        sigs = self.signatures(
            [text if index and not it.parent_id else None for it, text, index, _ in rows], cores
        )
        hashed = [n for n, sig in enumerate(sigs) if sig is not None]
        bands: list[list[str]] = [[] for _ in rows]
        if hashed:
            matrix = np.stack([sigs[n] for n in hashed])  # type: ignore[misc]
            for n, keys in zip(hashed, self.band_keys_many(matrix), strict=True):
                bands[n] = keys
        anchors = [
            anchor_keys(f, it.published_at) if f and index and not it.parent_id else ([], [])
            for it, _, index, f in rows
        ]
        wanted = {f"item:{it.id}" for it, _, _, _ in rows}
        wanted |= {f"item:{it.parent_id}" for it, _, _, _ in rows if it.parent_id}
        wanted |= {b for bs in bands for b in bs}
        known = self.state.get_many(sorted(wanted))  # chunks of neighbouring keys
        # the signatures of the events the bands point to, in the same round trip's wake
        # (one query, not one per candidate in `_match`)
        events = {str(known[b]) for bs in bands for b in bs if b in known}
        candidates = {f"{SIG_PREFIX}:{e}" for e in events}
        known.update(self.state.get_many(sorted(candidates - known.keys())))
        # events indexed before the compact signatures: their "sig:" list, when there is one
        old = {f"{OLD_SIG_PREFIX}:{e}" for e in events if f"{SIG_PREFIX}:{e}" not in known}
        known.update(self.state.get_many(sorted(old - known.keys())))
        known_keys = self.state.get_many(sorted({k for a in anchors for k in a[0]}), KEYS_NS)
        pending: dict[str, Any] = {}
        new_keys: dict[str, Any] = {}
        claims: dict[str, str] = {}
        created: dict[str, list[str]] = {}  # new event → the anchor keys it claimed
        out: list[tuple[str, str]] = [("", "")] * len(rows)
        arrays: dict[str, np.ndarray] = {}  # stored signatures as arrays, converted once
        seen: list[set[str]] = [set() for _ in rows]  # the events each item points to
        # posts before replies: a reply earlier in the batch must not fix its parent's event
        for n in sorted(range(len(rows)), key=lambda i: bool(rows[i][0].parent_id)):
            item, sig, band, (lookup, claim) = rows[n][0], sigs[n], bands[n], anchors[n]
            key = f"item:{item.id}"
            matches = self._match(band, sig, known, pending, arrays) if sig is not None else []
            joined = self._join(lookup, known_keys, claims)
            seen[n].update(matches)
            seen[n].update(joined[2] if joined else ())
            if key in known or key in pending:
                event = str(known.get(key, pending.get(key)))
                out[n] = (event, "已登记")
                for k in claim:  # e.g. a reply came first: its parent still claims
                    claims.setdefault(k, event)
                continue
            if item.parent_id:
                pkey = f"item:{item.parent_id}"
                event = known.get(pkey) or pending.get(pkey) or new_event_id(item.parent_id)
                pending.setdefault(pkey, event)
                how = "跟帖"
            elif matches:
                event, how = matches[0], "近似重复"
            elif joined:
                event, how = joined[0], f"同地同类（{joined[1]}）"
            else:
                event, how = new_event_id(item.id), "新事件"
                created[event] = claim
                if sig is not None:
                    packed = pack_signature(sig)
                    new_keys[f"{SIG_PREFIX}:{event}"] = packed
                    for b in band:
                        new_keys.setdefault(b, event)
                        pending.setdefault(b, event)
                    pending[f"{SIG_PREFIX}:{event}"] = packed
            for k in claim:
                claims.setdefault(k, event)
            pending[key] = event
            out[n] = (str(event), how)
        moved, holders = self._claim(claims, created, now + self.key_window_s, known_keys)
        if moved:
            out = [(moved.get(e, e), how) for e, how in out]
            pending = {k: moved.get(v, v) if isinstance(v, str) else v for k, v in pending.items()}
            for old, new in moved.items():
                if f"{SIG_PREFIX}:{old}" in new_keys:
                    new_keys.setdefault(f"{SIG_PREFIX}:{new}", new_keys.pop(f"{SIG_PREFIX}:{old}"))
            new_keys = {
                k: moved.get(v, v) if isinstance(v, str) else v for k, v in new_keys.items()
            }
        items = {k: v for k, v in pending.items() if k.startswith("item:") and k not in known}
        # a key read live a moment ago (a band of another event) is held: not written again
        writes = {k: v for k, v in new_keys.items() if k not in known}
        stored = self.state.put_many_if_absent({**items, **writes}, now + self.window_s)
        result = []
        for n, (item, _, _, _) in enumerate(rows):
            event, how = out[n]
            winner = stored.get(f"item:{item.id}")
            if winner is not None and winner != event:  # another worker was first
                event, how = str(winner), "已登记"
            seen[n].update(str(holders[k]) for k in anchors[n][1] if k in holders)
            others = {moved.get(e, e) for e in seen[n]} - {event}
            result.append(Assignment(event, how, tuple(sorted(others))))
        if time.monotonic() >= self._next_sweep:  # keeps the windowed index bounded
            self._next_sweep = time.monotonic() + SWEEP_EVERY_S
            sweep = getattr(self.state.state, "sweep_expired", None)
            if sweep is not None:
                sweep()
        return result

    def _join(
        self, lookup: list[str], known: dict[str, Any], claims: dict[str, str]
    ) -> tuple[str, str, list[str]] | None:
        """The event most of the item's anchor keys point to (ties: the first key wins),
        the anchor that matched, and every event the keys point to."""
        votes: Counter[str] = Counter()
        first: dict[str, str] = {}
        for k in lookup:
            event = claims.get(k) or known.get(k)
            if event:
                votes[str(event)] += 1
                first.setdefault(str(event), k)
        if not votes:
            return None
        order = list(first)
        event = max(votes, key=lambda e: (votes[e], -order.index(e)))
        return event, first[event].split(":")[2], order

    def _claim(
        self,
        claims: dict[str, str],
        created: dict[str, list[str]],
        expires_at: float,
        known: dict[str, Any],
    ) -> tuple[dict[str, str], dict[str, Any]]:
        """Claims the anchor keys atomically; a new event whose key another worker claimed
        first joins that worker's event ({lost event: winner}), and its other keys are
        pointed at the winner too. Also returns each key's holder. A key `known` (read live
        for this batch) keeps its holder and is not claimed again: a batch of fresh keys
        only is one write with no read-back (SqliteStateStore.put_many_if_absent)."""
        stored = {k: known[k] for k in claims if k in known}
        fresh = {k: v for k, v in claims.items() if k not in stored}
        stored.update(self.state.put_many_if_absent(fresh, expires_at, KEYS_NS))
        moved: dict[str, str] = {}
        for event, keys in created.items():
            lost = [str(stored[k]) for k in keys if stored.get(k, event) != event]
            if lost:
                moved[event] = lost[0]
        for k, event in claims.items():
            if event in moved and stored.get(k) == event:  # rare: a partly lost race
                self.state.state.put(KEYS_NS, k, moved[event], expires_at)
        return moved, stored

    def _stored_signature(self, event: str, known: dict[str, Any], pending: dict[str, Any]) -> Any:
        """An event's stored signature (compact, or an old "sig:" list), None when gone."""
        for key in (f"{SIG_PREFIX}:{event}", f"{OLD_SIG_PREFIX}:{event}"):
            stored = pending.get(key) or known.get(key)
            if stored is None:
                stored = self.state.get_many([key]).get(key)
                if stored is None:
                    continue
                known[key] = stored
            return stored
        return None

    def _match(
        self,
        bands: list[str],
        sig: np.ndarray,
        known: dict[str, Any],
        pending: dict[str, Any],
        arrays: dict[str, np.ndarray] | None = None,
    ) -> list[str]:
        """The events whose signature the item's is a near-duplicate of, most votes first."""
        pointed = [pending.get(b) or known.get(b) for b in bands]
        if not any(pointed):  # most items: no band seen before
            return []
        votes = Counter(str(e) for e in pointed if e)
        found = []
        arrays = {} if arrays is None else arrays
        for event, _ in votes.most_common(3):
            key = f"{SIG_PREFIX}:{event}"
            array = arrays.get(key)
            if array is None:
                stored = self._stored_signature(event, known, pending)
                if stored is None:
                    continue
                array = arrays[key] = unpack_signature(stored)
            if np.count_nonzero(array == sig) / len(sig) >= JOIN_THRESHOLD:
                found.append(event)
        return found
