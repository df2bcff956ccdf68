"""The Elasticsearch stores: what analysts query in Kibana, and what a city scales on.

Items go to monthly indices (`PREFIX-items-YYYY.MM`, by first crawl time, see es_items.py)
behind index templates; cases, findings and state to one index each. Writes are idempotent by
id, case updates use optimistic concurrency (if_seq_no / if_primary_term). Item and case
writes do not wait for a refresh (readers call `refresh` where a search must see them); the
small findings and state writes do (`wait_for`).
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Collection
from typing import Any

from pipeline.models import Case, Finding
from pipeline.redact import redact
from pipeline.storage.base import (
    OPEN_STATUSES,
    CaseQuery,
    CaseStore,
    ConflictError,
    FindingStore,
    StoreError,
    Stores,
    Tokenizer,
    lean_copy,
    time_key,
    wake_key,
)
from pipeline.storage.es_base import (
    ES_ERRORS,
    Elasticsearch,
    EsBase,
    EsConflict,
    EsNotFound,
    reason,
)
from pipeline.storage.es_case_items import CaseParts, digest
from pipeline.storage.es_items import EsItemStore
from pipeline.storage.es_mappings import DERIVED_CASE_FIELDS, install_templates
from pipeline.storage.es_state import EsStateStore

SWEPT_CASES = 10_000  # cases remembered as swept (one sweep per case per process)


class EsCaseStore(EsBase, CaseStore):
    """Cases, one document each, their evidence ids in parts beside them (es_case_items.py).
    Writes do not wait for a refresh (`wait_for` on every write bounded the alert stage to a
    few writes a second): a case is read back by id, a real-time GET; the stage refreshes
    once per batch (`refresh`), and a search here first refreshes when this store wrote
    since, so lists see its own writes at once and others' within a second."""

    def __init__(self, es, prefix):
        super().__init__(es, prefix)
        self.index = f"{prefix}-cases"
        self.parts = CaseParts(es, prefix)
        self._swept: OrderedDict[str, None] = OrderedDict()  # cases whose parts were swept
        self._unrefreshed = False

    def _doc(self, case: Case, parts: list[str], items_digest: str) -> dict[str, Any]:
        doc = case.to_dict()
        lead = [case.lead_department.code] if case.lead_department else []
        doc["department_codes"] = lead + [d.code for d in case.co_departments]
        doc["wake_key"] = wake_key(case)
        doc |= {"items": [], "n_items": case.n_items, "item_parts": parts}
        doc["items_digest"] = items_digest
        return doc

    @staticmethod
    def _case(source: dict[str, Any], items: list[str] | None, lean: bool = False) -> Case:
        """The case of a document; `items` from its parts (None: written before the parts,
        the ids are in the document); `lean`: without them (CaseStore.get_lean)."""
        count = source.get("n_items") if "item_parts" in source else None
        if items is not None:
            source["items"] = items
        for key in DERIVED_CASE_FIELDS:
            source.pop(key, None)
        case = Case.model_validate(source)
        if lean and count:
            case._items_before = count
        return case

    def _cases(self, hits: list[dict[str, Any]], lean: bool = False) -> list[Case]:
        """The cases of documents read, with their ids from the parts (one multi-get per
        thousand parts; `lean`: none); a case whose parts a newer write replaced meanwhile
        is read again."""
        if lean:
            return [self._case(h["_source"], None, lean=True) for h in hits]
        wanted = {
            h["_id"]: h["_source"]["item_parts"] for h in hits if "item_parts" in h["_source"]
        }
        ids = self.parts.fetch(wanted)
        out = []
        for hit in hits:
            if hit["_id"] in ids and ids[hit["_id"]] is None:
                again = self.get(hit["_id"])
                if again is not None:
                    out.append(again)
            else:
                out.append(self._case(hit["_source"], ids.get(hit["_id"])))
        return out

    def refresh(self) -> None:
        if self._unrefreshed:
            self._call("refresh cases", self.es.indices.refresh, index=self.index)
            self._unrefreshed = False

    def _search(
        self, query: dict[str, Any], sort: list, limit: int, lean: bool = False
    ) -> list[Case]:
        self.refresh()
        return self._cases(self._hits_all(self.index, query, sort, limit), lean)

    def get(self, case_id: str) -> Case | None:
        for _ in range(3):
            try:
                found = self._call("get case", self.es.get, index=self.index, id=case_id)
            except EsNotFound:
                return None
            source = found["_source"]
            if "item_parts" not in source:
                return self._case(source, None)
            items = self.parts.fetch({case_id: source["item_parts"]})[case_id]
            if items is not None:
                return self._case(source, items)
            # else: replaced between the two reads; the newer version names its own parts
        raise StoreError(f"case {case_id}: evidence ids missing from {self.parts.index}")

    def get_lean(self, case_id: str) -> Case | None:
        try:
            found = self._call("get case", self.es.get, index=self.index, id=case_id)
        except EsNotFound:
            return None
        if "item_parts" not in found["_source"]:  # written before the parts: read whole
            return self.get(case_id)
        return self._case(found["_source"], None, lean=True)

    def _named_parts(self, case_id: str) -> list[str] | None:
        """The evidence parts the stored case names ([] when it is gone; None when it was
        written before the parts and holds its ids itself)."""
        try:
            found = self._call(
                "get case",
                self.es.get,
                index=self.index,
                id=case_id,
                source_includes=["item_parts"],
            )
        except EsNotFound:
            return []
        return found["_source"].get("item_parts")

    def has_items(self, case_id: str, ids: Collection[str]) -> set[str]:
        named = self._named_parts(case_id)
        if named is None:  # written before the parts: ids in the doc
            return super().has_items(case_id, ids)
        return self.parts.lookup(case_id, named, list(dict.fromkeys(ids)))

    def version_of(self, case_id: str) -> int | None:
        try:
            found = self._call(
                "get case", self.es.get, index=self.index, id=case_id, source_includes=["version"]
            )
        except EsNotFound:
            return None
        return int(found["_source"].get("version", 0))

    def create(self, case: Case) -> bool:
        if case.lean:
            raise ValueError(f"case {case.case_id}: a new case is created whole, not lean")
        name = self.parts.write(case.case_id, 0, case.items, case.version)
        parts = [name] if name else []
        try:
            self._call(
                "create case",
                self.es.index,
                index=self.index,
                id=case.case_id,
                document=self._doc(case, parts, digest(case.items).hexdigest()),
                op_type="create",
            )
        except EsConflict:
            self._drop_unnamed(case.case_id, name)
            return False
        self._unrefreshed = True
        return True

    def update(self, case: Case) -> Case:
        """Compare-and-set on the stored version; the new ids (all of them unless they
        extend the stored ones, or the case is lean) go to a new part first, old parts go
        after the set."""
        try:
            current = self._call(
                "get case",
                self.es.get,
                index=self.index,
                id=case.case_id,
                source_includes=["version", "n_items", "item_parts", "items_digest"],
            )
        except EsNotFound:
            raise ConflictError(f"case {case.case_id}: does not exist") from None
        stored = current["_source"]
        if stored.get("version", 0) != case.version:
            raise ConflictError(f"case {case.case_id}: changed since version {case.version}")
        if case.lean:
            read = case.n_items - len(case.items)  # the stored ids it was read with
            start, kept, new = self.parts.plan_lean(case.case_id, stored, read, case.items)
            items_digest = ""  # not known without every id: the next whole update compares
        else:
            start, kept, items_digest = self.parts.plan(case.case_id, stored, case.items)
            new = case.items[start:]
        name = self.parts.write(case.case_id, start, new, case.version + 1)
        parts = kept + ([name] if name else [])
        saved = case.model_copy(update={"version": case.version + 1})
        try:
            self._call(
                "update case",
                self.es.index,
                index=self.index,
                id=case.case_id,
                document=self._doc(saved, parts, items_digest),
                if_seq_no=current["_seq_no"],
                if_primary_term=current["_primary_term"],
            )
        except EsConflict:
            self._drop_unnamed(case.case_id, name)
            raise ConflictError(f"case {case.case_id}: changed concurrently") from None
        self._unrefreshed = True
        self.parts.delete(case.case_id, [p for p in stored.get("item_parts", []) if p not in kept])
        self._sweep_once(case.case_id, parts, saved.version)
        return lean_copy(saved) if case.lean else saved

    def _sweep_once(self, case_id: str, parts: list[str], version: int) -> None:
        """The first write of a case in this process sweeps its unnamed parts (what a crash
        left, es_case_items.CaseParts.sweep); a failure leaves them for the next process."""
        if case_id in self._swept:
            self._swept.move_to_end(case_id)
            return
        self._swept[case_id] = None
        while len(self._swept) > SWEPT_CASES:
            self._swept.popitem(last=False)
        with contextlib.suppress(StoreError):
            self.parts.sweep(case_id, parts, version)

    def _drop_unnamed(self, case_id: str, name: str | None) -> None:
        """Delete the part a lost create or compare-and-set wrote, unless the case names it
        after all (the client retried a write that had succeeded; its retry is the conflict)."""
        if name is None:
            return
        if name not in (self._named_parts(case_id) or []):
            self.parts.delete(case_id, [name])

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
        sort = [{"opened_at": "desc"}, {"case_id": "asc"}]
        return self._search({"bool": {"filter": filters}}, sort, q.limit)

    def list_due(
        self, now: str, limit: int = 500, after: tuple[str, str] | None = None, lean: bool = False
    ) -> list[Case]:
        due: dict[str, Any] = {"range": {"wake_key": {"lte": time_key(now)}}}
        if after is None:  # a case stored before wake_key existed is due: the first page
            missing = {"bool": {"must_not": {"exists": {"field": "wake_key"}}}}
            due = {"bool": {"should": [due, missing]}}
        filters: list[dict[str, Any]] = [{"terms": {"status": list(OPEN_STATUSES)}}, due]
        if after is not None:  # the page after (key, id), without relying on search_after
            key, case_id = after
            filters.append(
                {"bool": {"should": [
                    {"range": {"wake_key": {"gt": key}}},
                    {"bool": {"filter": [{"term": {"wake_key": key}},
                                         {"range": {"case_id": {"gt": case_id}}}]}},
                ]}}
            )  # fmt: skip
        sort = [{"wake_key": {"order": "asc", "missing": "_first"}}, {"case_id": "asc"}]
        return self._search({"bool": {"filter": filters}}, sort, limit, lean)


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


def open_elasticsearch_stores(
    url: str, tokenizer: Tokenizer | None = None, prefix: str = "yuqing", replicas: int = 0
) -> Stores:
    es = Elasticsearch(url, request_timeout=30, retry_on_timeout=True, max_retries=3)
    try:
        install_templates(es, prefix, replicas=replicas)
    except BaseException as exc:  # closed here: a caller retrying the open leaks no client
        es.close()
        if isinstance(exc, ES_ERRORS):
            raise StoreError(
                f"Elasticsearch at {redact(url)}: unreachable or refused setup: {reason(exc)}"
            ) from exc
        raise
    return Stores(
        items=EsItemStore(es, prefix, tokenizer),
        cases=EsCaseStore(es, prefix),
        findings=EsFindingStore(es, prefix),
        state=EsStateStore(es, prefix),
        url=url,
        closers=[es.close],
        ping=lambda: _ping(es, url),
    )


def _ping(es: Elasticsearch, url: str) -> None:
    """One quick request, no retries: is the cluster answering at all?"""
    try:
        es.options(request_timeout=3, max_retries=0).info()
    except ES_ERRORS as exc:
        raise StoreError(f"Elasticsearch at {redact(url)} unreachable: {reason(exc)}") from exc
