"""A case's evidence ids on Elasticsearch, beside its document (issue #11).

The ids are split in parts, one document each in `PREFIX-case-items` with the id
`{case_id}:{start}:{token}`; the case document names its parts (`item_parts`, in order) and
holds `n_items` and a digest of its ids. An update whose ids extend the stored ones (the
digest of the stored count of them matches) writes only a part of the new ids; any other
change, or a case with MAX_PARTS parts, writes them all as one part.

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

from pipeline.storage.es_base import ES_ERRORS, EsBase

MAX_PARTS = 64  # more parts: an update rewrites all ids as one (a read is one mget of these)
MGET_BATCH = 1000  # parts per multi-get when a list reads many cases


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

    def plan(self, stored: dict[str, Any], items: list[str]) -> tuple[int, list[str], str]:
        """How to store `items` over a case document `stored` (its `_source`): the index of
        the first id to write, the parts kept, and the digest of all of `items`."""
        parts = stored.get("item_parts")
        count = stored.get("n_items")
        if parts is None or count is None or len(items) < count:
            return 0, [], digest(items).hexdigest()  # written before the parts, or shrunk
        if len(parts) >= MAX_PARTS and len(items) > count:
            return 0, [], digest(items).hexdigest()  # one more part: fold them all into one
        running = digest(items[:count])
        if running.hexdigest() != stored.get("items_digest"):
            return 0, [], digest(items).hexdigest()
        return count, list(parts), digest(items[count:], running).hexdigest()

    def write(self, case_id: str, start: int, ids: Sequence[str]) -> str | None:
        """Store `ids` (from place `start`) as a new part; its name (None: nothing to write)."""
        if not ids:
            return None
        name = f"{start}:{uuid.uuid4().hex[:12]}"
        self._call(
            "write case items",
            self.es.index,
            index=self.index,
            id=f"{case_id}:{name}",
            document={"case_id": case_id, "start": start, "ids": list(ids)},
        )
        return name

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
