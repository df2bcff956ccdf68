"""The Elasticsearch state store: namespaced keys with expiry in one index; batched claims
(one bulk create, held keys read back in one mget) for the classifier's event index."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from typing import Any

from pipeline.redact import redact
from pipeline.storage.base import (
    StateStore,
    StoreError,
)
from pipeline.storage.es_base import (
    EsBase,
    EsConflict,
    EsNotFound,
)


class EsStateStore(EsBase, StateStore):
    """Key-value state, one document per key. Single writes wait for a refresh (their readers
    scan: the outbox, delivery jobs, users); the batched claims of the classify stage's event
    index do not (a refresh per batch bounded a worker to about one batch a second): they
    are read back by key, a real-time GET, and a scan here refreshes first if they came since."""

    def __init__(self, es, prefix):
        super().__init__(es, prefix)
        self.index = f"{prefix}-state"
        self._unrefreshed = False  # batched claims written since the last refresh

    @staticmethod
    def _id(namespace: str, key: str) -> str:
        return f"{namespace}\x1f{key}"

    @staticmethod
    def _live(source: dict[str, Any], now: float | None = None) -> bool:
        expires = source.get("expires_at")
        return expires is None or expires > (now or time.time())

    def _get_raw(self, namespace: str, key: str) -> dict[str, Any] | None:
        try:
            return self._call(
                "get state", self.es.get, index=self.index, id=self._id(namespace, key)
            )
        except EsNotFound:
            return None

    def get(self, namespace: str, key: str) -> Any | None:
        found = self._get_raw(namespace, key)
        return found["_source"]["value"] if found and self._live(found["_source"]) else None

    def _doc(self, namespace, key, value, expires_at) -> dict[str, Any]:
        return {"ns": namespace, "key": key, "value": value, "expires_at": expires_at}

    def put(self, namespace, key, value, expires_at=None) -> None:
        self._call(
            "put state",
            self.es.index,
            index=self.index,
            id=self._id(namespace, key),
            document=self._doc(namespace, key, value, expires_at),
            refresh="wait_for",
        )

    def put_if_absent(self, namespace, key, value, expires_at=None) -> Any:
        doc = self._doc(namespace, key, value, expires_at)
        for _ in range(5):
            if self._claim(namespace, key, doc, op_type="create"):
                return value
            found = self._get_raw(namespace, key)
            if found and self._live(found["_source"]):
                return found["_source"]["value"]
            # expired: take it over, unless someone else does first
            if found and self._claim(
                namespace,
                key,
                doc,
                if_seq_no=found["_seq_no"],
                if_primary_term=found["_primary_term"],
            ):
                return value
        raise StoreError(f"Elasticsearch: state {namespace}/{key}: contended, gave up")

    def _claim(self, namespace: str, key: str, doc: dict[str, Any], **condition: Any) -> bool:
        """Write `doc` under the key if `condition` holds (create, or the version read); False
        when another writer holds it."""
        try:
            self._call(
                "claim state",
                self.es.index,
                index=self.index,
                id=self._id(namespace, key),
                document=doc,
                refresh="wait_for",
                **condition,
            )
        except EsConflict:
            return False
        return True

    def _mget(self, namespace: str, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The stored documents of `keys` (expired ones included), in one request."""
        if not keys:
            return {}
        response = self._call(
            "get state",
            self.es.mget,
            index=self.index,
            ids=[self._id(namespace, k) for k in keys],
        )
        return {k: d for k, d in zip(keys, response["docs"], strict=True) if d.get("found")}

    def get_many(self, namespace: str, keys: Sequence[str]) -> dict[str, Any]:
        now = time.time()
        return {
            k: d["_source"]["value"]
            for k, d in self._mget(namespace, list(dict.fromkeys(keys))).items()
            if self._live(d["_source"], now)
        }

    def put_many_if_absent(
        self, namespace: str, entries: dict[str, Any], expires_at: float | None = None
    ) -> dict[str, Any]:
        """One bulk `create` for the batch; the keys another writer holds are read back in one
        request (an expired one is taken over key by key, as put_if_absent does)."""
        if not entries:
            return {}
        operations: list[dict[str, Any]] = []
        for key, value in entries.items():
            operations.append({"create": {"_index": self.index, "_id": self._id(namespace, key)}})
            operations.append(self._doc(namespace, key, value, expires_at))
        response = self._call("claim state", self.es.bulk, operations=operations)
        self._unrefreshed = True
        stored: dict[str, Any] = {}
        taken: list[str] = []
        for key, item in zip(entries, response["items"], strict=True):
            status = item["create"].get("status", 500)
            if status in (200, 201):
                stored[key] = entries[key]
            elif status == 409:
                taken.append(key)
            else:
                raise StoreError(
                    f"Elasticsearch: claim state {namespace}/{key} failed: "
                    f"{redact(item['create'].get('error'))[:300]}"
                )
        now = time.time()
        found = self._mget(namespace, taken)
        for key in taken:
            doc = found.get(key)
            if doc is not None and self._live(doc["_source"], now):
                stored[key] = doc["_source"]["value"]
            else:  # expired (or deleted meanwhile): the single-key path takes it over
                stored[key] = self.put_if_absent(namespace, key, entries[key], expires_at)
        return stored

    def delete(self, namespace: str, key: str) -> None:
        with contextlib.suppress(EsNotFound):
            self._call(
                "delete state",
                self.es.delete,
                index=self.index,
                id=self._id(namespace, key),
                refresh="wait_for",
            )

    def scan(self, namespace, prefix="", limit=10_000) -> list[tuple[str, Any]]:
        if self._unrefreshed:
            self._call("refresh state", self.es.indices.refresh, index=self.index)
            self._unrefreshed = False
        filters: list[dict[str, Any]] = [{"term": {"ns": namespace}}]
        if prefix:
            filters.append({"prefix": {"key": prefix}})
        hits = self._hits_all(self.index, {"bool": {"filter": filters}}, [{"key": "asc"}], limit)
        now = time.time()
        return [
            (h["_source"]["key"], h["_source"]["value"])
            for h in hits
            if self._live(h["_source"], now)
        ]

    def purge_expired(self, now: float | None = None) -> int:
        response = self._call(
            "purge state",
            self.es.delete_by_query,
            index=self.index,
            refresh=True,
            query={"range": {"expires_at": {"lte": now or time.time()}}},
            ignore_unavailable=True,
        )
        return int(response.get("deleted", 0))
