"""The Elasticsearch stores: what analysts query in Kibana, and what a city scales on.

Items go to monthly indices (`PREFIX-items-YYYY.MM`, by first crawl time, see es_items.py)
behind index templates; cases, findings and state to one index each. Writes are idempotent by
id, case updates use optimistic concurrency (if_seq_no / if_primary_term). Item and case
writes do not wait for a refresh (readers call `refresh` where a search must see them); the
small findings and state writes do (`wait_for`).
"""

from __future__ import annotations

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
from pipeline.storage.es_items import EsItemStore
from pipeline.storage.es_mappings import DERIVED_CASE_FIELDS, install_templates
from pipeline.storage.es_state import EsStateStore


class EsCaseStore(EsBase, CaseStore):
    """Cases, one document each. Writes do not wait for a refresh (`wait_for` on every write
    bounded the alert stage to a few writes a second): a case is read back by id, a real-time
    GET; the stage refreshes once per batch (`refresh`), and a search here first refreshes when
    this store wrote since, so lists see its own writes at once and others' within a second."""

    def __init__(self, es, prefix):
        super().__init__(es, prefix)
        self.index = f"{prefix}-cases"
        self._unrefreshed = False

    def _doc(self, case: Case) -> dict[str, Any]:
        doc = case.to_dict()
        lead = [case.lead_department.code] if case.lead_department else []
        doc["department_codes"] = lead + [d.code for d in case.co_departments]
        doc["wake_key"] = wake_key(case)
        return doc

    @staticmethod
    def _case(source: dict[str, Any]) -> Case:
        for key in DERIVED_CASE_FIELDS:
            source.pop(key, None)
        return Case.model_validate(source)

    def refresh(self) -> None:
        if self._unrefreshed:
            self._call("refresh cases", self.es.indices.refresh, index=self.index)
            self._unrefreshed = False

    def _search(self, query: dict[str, Any], sort: list, limit: int) -> list[dict[str, Any]]:
        self.refresh()
        return self._hits_all(self.index, query, sort, limit)

    def get(self, case_id: str) -> Case | None:
        try:
            found = self._call("get case", self.es.get, index=self.index, id=case_id)
        except EsNotFound:
            return None
        return self._case(found["_source"])

    def version_of(self, case_id: str) -> int | None:
        try:
            found = self._call(
                "get case", self.es.get, index=self.index, id=case_id, source_includes=["version"]
            )
        except EsNotFound:
            return None
        return int(found["_source"].get("version", 0))

    def create(self, case: Case) -> bool:
        try:
            self._call(
                "create case",
                self.es.index,
                index=self.index,
                id=case.case_id,
                document=self._doc(case),
                op_type="create",
            )
        except EsConflict:
            return False
        self._unrefreshed = True
        return True

    def update(self, case: Case) -> Case:
        try:
            current = self._call(
                "get case",
                self.es.get,
                index=self.index,
                id=case.case_id,
                source_includes=["version"],
            )
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
            )
        except EsConflict:
            raise ConflictError(f"case {case.case_id}: changed concurrently") from None
        self._unrefreshed = True
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
        hits = self._search(
            {"bool": {"filter": filters}}, [{"opened_at": "desc"}, {"case_id": "asc"}], q.limit
        )
        return [self._case(h["_source"]) for h in hits]

    def list_due(
        self, now: str, limit: int = 500, after: tuple[str, str] | None = None
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
        hits = self._search({"bool": {"filter": filters}}, sort, limit)
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
    )
