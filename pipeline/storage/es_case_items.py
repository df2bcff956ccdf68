"""A case's evidence ids on Elasticsearch, beside its document (issue #11).

The ids are split in parts, one document each in `PREFIX-case-items` with the id
`{case_id}:{start}:{token}`; the case document names its parts (`item_parts`, in order) and
holds `n_items` and a digest of its ids. An update whose ids extend the stored ones (the
digest of the stored count of them matches, or the stored ids do) writes only a part of the
new ids; any other change, or a case with MAX_PARTS parts, writes them all as one part.

A lean update (the case read without its ids, `CaseStore.get_lean`) only appends: a part of
its new ids, the digest left out (its writer does not hold the others). At MAX_PARTS it folds
the trailing parts into one with the new ids, as many as FOLD_IDS allows (`fold_from`), so a
viral case has about n / FOLD_IDS parts, and no writer reads more than FOLD_IDS of its ids.
Whether ids are on a case (`lookup`) is a search of its named parts for them.

A part names the case version its writer meant to write; a part no document names, of a
version the case has reached, is garbage (a writer died, or its delete of replaced parts
failed): the case store sweeps a case's parts the first time a process writes it (`sweep`).

Why it is consistent: a part is written before the case document naming it and never
changed; the token makes each write's part its own, so two writers racing from the same
version cannot overwrite each other's part (the loser's compare-and-set fails and it
deletes its part). A part is deleted only after a case document no longer naming it is
written, so a reader that misses a named part reads the case again. A writer that dies
between the two writes leaves a part nobody names: readers never see it.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from collections.abc import Sequence
from typing import Any

from pipeline.storage.base import ConflictError
from pipeline.storage.es_base import ES_ERRORS, EsBase

MAX_PARTS = 64  # more parts: an update rewrites all ids as one (a read is one mget of these)
MGET_BATCH = 1000  # parts per multi-get when a list reads many cases
LOOKUP_BATCH = 1000  # ids per lookup search
FOLD_IDS = 20_000  # the most ids a lean append reads to fold parts into one
SWEEP_PARTS = 1000  # parts of one case looked at by a sweep


def digest(ids: Sequence[str], into: Any = None) -> Any:
    """A running hash of `ids` (each NUL-terminated), continued from `into` if given."""
    h = into if into is not None else hashlib.blake2b(digest_size=16)
    if ids:
        h.update(("\0".join(ids) + "\0").encode("utf-8"))
    return h


class CaseParts(EsBase):
    """The part documents of cases' evidence ids: write, read many at once, delete."""

    def __init__(self, es, prefix):
        super().__init__(es, prefix)
        self.index = f"{prefix}-case-items"

    def plan(
        self, case_id: str, stored: dict[str, Any], items: list[str]
    ) -> tuple[int, list[str], str]:
        """How to store `items` over a case document `stored` (its `_source`): the index of
        the first id to write, the parts kept, and the digest of all of `items`. Without a
        stored digest (a lean update wrote it last) the stored ids are read to compare."""
        parts = stored.get("item_parts")
        count = stored.get("n_items")
        if parts is None or count is None or len(items) < count:
            return 0, [], digest(items).hexdigest()  # written before the parts, or shrunk
        if len(parts) >= MAX_PARTS and len(items) > count:
            return 0, [], digest(items).hexdigest()  # one more part: fold them all into one
        running = digest(items[:count])
        if not stored.get("items_digest"):
            same = self.fetch({case_id: parts})[case_id] == items[:count]
        else:
            same = running.hexdigest() == stored.get("items_digest")
        if not same:
            return 0, [], digest(items).hexdigest()
        return count, list(parts), digest(items[count:], running).hexdigest()

    def plan_lean(
        self, case_id: str, stored: dict[str, Any], read: int, new: list[str]
    ) -> tuple[int, list[str], list[str]]:
        """A lean write of `new` ids over a case document `stored`, read with `read` ids: the
        start of its part, the parts kept, the ids of its part (those of the parts it folds,
        `fold_from`, then the new ones)."""
        parts, count = stored.get("item_parts"), stored.get("n_items")
        if parts is None or count != read:  # cannot be: the version matched a lean read
            raise ConflictError(f"case {case_id}: its stored ids are not the ones read")
        at = self.fold_from(parts, count, len(new))
        if at == len(parts):
            return count, list(parts), list(new)
        folded = self.fetch({case_id: parts[at:]})[case_id]
        if folded is None:  # a part gone: a newer version replaced them
            raise ConflictError(f"case {case_id}: changed concurrently")
        return int(parts[at].split(":", 1)[0]), list(parts[:at]), [*folded, *new]

    @staticmethod
    def fold_from(parts: list[str], count: int, adding: int) -> int:
        """Where a lean append of `adding` ids folds the trailing parts into one with them
        (len(parts): it does not): below MAX_PARTS nowhere, else from the first part where
        the tail, with the new ids, holds at most FOLD_IDS (two parts at least). So no writer
        reads more than FOLD_IDS ids, and a viral case has about n / FOLD_IDS parts."""
        if len(parts) < MAX_PARTS:
            return len(parts)
        starts = [int(name.split(":", 1)[0]) for name in parts]
        for i, start in enumerate(starts[:-1]):
            if count - start + adding <= FOLD_IDS:
                return i
        return len(parts)

    def refresh(self) -> None:
        self._call("refresh case items", self.es.indices.refresh, index=self.index)

    def lookup(self, case_id: str, names: Sequence[str], ids: Sequence[str]) -> set[str]:
        """Which of `ids` the parts `names` of a case hold: a search of those parts (after a
        refresh: a part is written just before the case document naming it), each id
        counted by a filter of its own (a terms aggregation would count the others too)."""
        if not names or not ids:
            return set()
        self.refresh()
        keys = [f"{case_id}:{n}" for n in names]
        found: set[str] = set()
        for start in range(0, len(ids), LOOKUP_BATCH):
            batch = list(ids[start : start + LOOKUP_BATCH])
            response = self._call(
                "look up case items",
                self.es.search,
                index=self.index,
                query={"bool": {"filter": [{"ids": {"values": keys}}, {"terms": {"ids": batch}}]}},
                aggs={"ids": {"filters": {"filters": {i: {"term": {"ids": i}} for i in batch}}}},
                size=0,
            )
            buckets = response["aggregations"]["ids"]["buckets"]
            found.update(i for i in batch if buckets.get(i, {}).get("doc_count"))
        return found

    def write(
        self, case_id: str, start: int, ids: Sequence[str], version: int | None = None
    ) -> str | None:
        """Store `ids` (from place `start`) as a new part for the case document of `version`
        (the one its writer means to write); its name (None: nothing to write)."""
        if not ids:
            return None
        name = f"{start}:{uuid.uuid4().hex[:12]}"
        document: dict[str, Any] = {"case_id": case_id, "start": start, "ids": list(ids)}
        if version is not None:
            document["version"] = version
        self._call(
            "write case items",
            self.es.index,
            index=self.index,
            id=f"{case_id}:{name}",
            document=document,
        )
        return name

    def sweep(self, case_id: str, named: Sequence[str], version: int) -> int:
        """Delete the case's parts that its document of `version` does not name and that were
        written for a version up to that one (their writer is done: its compare-and-set won
        and a later write dropped them, or lost, or it died): what a crash leaves. A part
        for a later version may be a writer's in flight and stays. Returns how many went."""
        hits = self._hits(
            self.index,
            query={"term": {"case_id": case_id}},
            source_includes=["version"],
            size=SWEEP_PARTS,
        )
        prefix, keep = f"{case_id}:", set(named)
        gone = [
            h["_id"][len(prefix) :]
            for h in hits
            if h["_id"].startswith(prefix)
            and h["_id"][len(prefix) :] not in keep
            and int(h["_source"].get("version", 0)) <= version
        ]
        self.delete(case_id, gone)
        return len(gone)

    def delete(self, case_id: str, names: Sequence[str]) -> None:
        """Remove parts no case document names any more; a failure only leaves garbage."""
        if not names:
            return
        operations = [{"delete": {"_index": self.index, "_id": f"{case_id}:{n}"}} for n in names]
        with contextlib.suppress(ES_ERRORS):
            self.es.bulk(operations=operations)

    def fetch(self, wanted: dict[str, list[str]]) -> dict[str, list[str] | None]:
        """The ids of each case (case id → its part names) by real-time multi-gets; None for
        a case with a part gone (a newer version replaced it: read that case again)."""
        keys = [f"{case_id}:{n}" for case_id, names in wanted.items() for n in names]
        found: dict[str, list[str]] = {}
        for start in range(0, len(keys), MGET_BATCH):
            batch = keys[start : start + MGET_BATCH]
            response = self._call("get case items", self.es.mget, index=self.index, ids=batch)
            for doc in response["docs"]:
                if doc.get("found"):
                    found[doc["_id"]] = doc["_source"]["ids"]
        out: dict[str, list[str] | None] = {}
        for case_id, names in wanted.items():
            parts = [found.get(f"{case_id}:{n}") for n in names]
            out[case_id] = None if any(p is None for p in parts) else [i for p in parts for i in p]
        return out
