"""The Elasticsearch stores: what analysts query in Kibana, and what a city scales on.

Items go to monthly indices (`PREFIX-items-YYYY.MM`, by first crawl time, see es_items.py)
behind index templates; cases, findings and state to one index each. Writes are idempotent by
id, case updates use optimistic concurrency (if_seq_no / if_primary_term), and a write a
reader must see is refreshed (`wait_for`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from typing import Any

from pipeline.models import Case, Finding
from pipeline.redact import redact
from pipeline.storage.base import (
    CaseQuery,
    CaseStore,
    ConflictError,
    FindingStore,
    StateStore,
    StoreError,
    Stores,
    Tokenizer,
)
from pipeline.storage.es_base import (
    ES_ERRORS,
    Elasticsearch,
    EsBase,
    EsConflict,
    EsNotFound,
    reason,
)
from pipeline.storage.es_items import EsItemStore
from pipeline.storage.es_mappings import install_templates
from pipeline.storage.sqlite import OPEN_STATUSES


class EsCaseStore(EsBase, CaseStore):
    def __init__(self, es, prefix):
        super().__init__(es, prefix)
        self.index = f"{prefix}-cases"

    def _doc(self, case: Case) -> dict[str, Any]:
        doc = case.to_dict()
        lead = [case.lead_department.code] if case.lead_department else []
        doc["department_codes"] = lead + [d.code for d in case.co_departments]
        return doc

    @staticmethod
    def _case(source: dict[str, Any]) -> Case:
        source.pop("department_codes", None)
        return Case.model_validate(source)

    def get(self, case_id: str) -> Case | None:
        try:
            found = self._call("get case", self.es.get, index=self.index, id=case_id)
        except EsNotFound:
            return None
        return self._case(found["_source"])

    def create(self, case: Case) -> bool:
        try:
            self._call(
                "create case",
                self.es.index,
                index=self.index,
                id=case.case_id,
                document=self._doc(case),
                op_type="create",
                refresh="wait_for",
            )
        except EsConflict:
            return False
        return True

    def update(self, case: Case) -> Case:
        try:
            current = self._call("get case", self.es.get, index=self.index, id=case.case_id)
        except EsNotFound:
            raise ConflictError(f"case {case.case_id}: does not exist") from None
        if current["_source"].get("version", 0) != case.version:
            raise ConflictError(f"case {case.case_id}: changed since version {case.version}")
        saved = case.model_copy(update={"version": case.version + 1})
        try:
            self._call(
                "update case",
                self.es.index,
                index=self.index,
                id=case.case_id,
                document=self._doc(saved),
                if_seq_no=current["_seq_no"],
                if_primary_term=current["_primary_term"],
                refresh="wait_for",
            )
        except EsConflict:
            raise ConflictError(f"case {case.case_id}: changed concurrently") from None
        return saved

    def list(self, query: CaseQuery | None = None) -> list[Case]:
        q = query or CaseQuery()
        filters: list[dict[str, Any]] = []
        for field, value in (
            ("profile", q.profile),
            ("event_id", q.event_id),
            ("department_codes", q.department),
        ):
            if value is not None:
                filters.append({"term": {field: value}})
        statuses = list(q.statuses) or (list(OPEN_STATUSES) if q.open_only else [])
        if statuses:
            filters.append({"terms": {"status": statuses}})
        hits = self._hits_all(
            self.index,
            {"bool": {"filter": filters}},
            [{"opened_at": "desc"}, {"case_id": "asc"}],
            q.limit,
        )
        return [self._case(h["_source"]) for h in hits]


class EsFindingStore(EsBase, FindingStore):
    def __init__(self, es, prefix):
        super().__init__(es, prefix)
        self.index = f"{prefix}-findings"

    def put(self, finding: Finding) -> None:
        self._call(
            "put finding",
            self.es.index,
            index=self.index,
            id=finding.finding_id,
            document=finding.to_dict(),
            refresh="wait_for",
        )

    def list(self, kind: str | None = None, limit: int = 200) -> list[Finding]:
        query = {"term": {"kind": kind}} if kind else {"match_all": {}}
        hits = self._hits_all(
            self.index, query, [{"found_at": "desc"}, {"finding_id": "asc"}], limit
        )
        return [Finding.model_validate(h["_source"]) for h in hits]


class EsStateStore(EsBase, StateStore):
    def __init__(self, es, prefix):
        super().__init__(es, prefix)
        self.index = f"{prefix}-state"

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
            try:
                self._call(
                    "claim state",
                    self.es.index,
                    index=self.index,
                    id=self._id(namespace, key),
                    document=doc,
                    op_type="create",
                    refresh="wait_for",
                )
                return value
            except EsConflict:
                pass
            found = self._get_raw(namespace, key)
            if found and self._live(found["_source"]):
                return found["_source"]["value"]
            if found:  # expired: take it over, unless someone else does first
                try:
                    self._call(
                        "claim state",
                        self.es.index,
                        index=self.index,
                        id=self._id(namespace, key),
                        document=doc,
                        if_seq_no=found["_seq_no"],
                        if_primary_term=found["_primary_term"],
                        refresh="wait_for",
                    )
                    return value
                except EsConflict:
                    continue
        raise StoreError(f"Elasticsearch: state {namespace}/{key}: contended, gave up")

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
        response = self._call(
            "claim state", self.es.bulk, operations=operations, refresh="wait_for"
        )
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


def open_elasticsearch_stores(
    url: str, tokenizer: Tokenizer | None = None, prefix: str = "yuqing", replicas: int = 0
) -> Stores:
    es = Elasticsearch(url, request_timeout=30, retry_on_timeout=True, max_retries=3)
    try:
        install_templates(es, prefix, replicas=replicas)
    except ES_ERRORS as exc:
        raise StoreError(
            f"Elasticsearch at {redact(url)}: unreachable or refused setup: {reason(exc)}"
        ) from exc
    return Stores(
        items=EsItemStore(es, prefix, tokenizer),
        cases=EsCaseStore(es, prefix),
        findings=EsFindingStore(es, prefix),
        state=EsStateStore(es, prefix),
        url=url,
        closers=[es.close],
    )
