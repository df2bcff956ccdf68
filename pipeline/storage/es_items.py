"""The Elasticsearch item store: monthly indices, bulk writes, full-text search.

Bulk writes do not wait for a refresh (`wait_for` on every write bounded a classify worker to
about one batch per refresh): get/get_many see an item at once, searches see this store's own
writes at once and other processes' after `refresh()`, or within the refresh interval."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from typing import Any

from elasticsearch import ApiError, TransportError
from elasticsearch.helpers import BulkIndexError, bulk

from pipeline.models import ScoredItem
from pipeline.storage.base import ItemQuery, ItemStore, RejectedError, StoreError, Tokenizer
from pipeline.storage.es_base import EsBase, reason
from pipeline.storage.es_mappings import DERIVED_ITEM_FIELDS
from pipeline.storage.sqlite import bigram_tokenizer


def bulk_failure(exc: BulkIndexError) -> Exception:
    """A document the cluster refuses for good (a mapping conflict: a 4xx other than 429)
    is the record's fault: RejectedError lets the runner dead-letter that record alone. An
    overloaded or failing cluster (429, 5xx) is an outage: StoreError, retried."""
    statuses = [next(iter(e.values()), {}).get("status", 500) for e in exc.errors]
    message = f"Elasticsearch: bulk write rejected: {reason(exc)}"
    if statuses and all(400 <= s < 500 and s != 429 for s in statuses):
        return RejectedError(message)
    return StoreError(message)


class EsItemStore(EsBase, ItemStore):
    def __init__(self, es, prefix, tokenizer: Tokenizer | None):
        super().__init__(es, prefix)
        self.tokenize = tokenizer or bigram_tokenizer
        self.pattern = f"{prefix}-items-*"
        self._unrefreshed = False  # this store wrote since its last refresh

    def refresh(self) -> None:
        self._call(
            "refresh items",
            self.es.indices.refresh,
            index=self.pattern,
            ignore_unavailable=True,
            allow_no_indices=True,
        )
        self._unrefreshed = False

    def _own_writes_visible(self) -> None:
        """Read-your-writes for searches: refresh only if this store wrote since."""
        if self._unrefreshed:
            self.refresh()

    def index_for(self, item: ScoredItem) -> str:
        return f"{self.prefix}-items-{item.crawled_at[:4]}.{item.crawled_at[5:7]}"

    def _doc(self, item: ScoredItem, encoded: str | None = None) -> dict[str, Any]:
        doc = json.loads(encoded) if encoded is not None else item.to_dict()
        doc["text_seg"] = " ".join(
            t for t in self.tokenize(f"{item.title}\n{item.text}") if t.strip()
        )
        doc["department_codes"] = [d.code for d in item.departments]
        return doc

    def put_many(self, items: Sequence[ScoredItem], encoded: Sequence[str] | None = None) -> None:
        if not items:
            return
        if encoded is not None and len(encoded) != len(items):
            raise ValueError(f"{len(items)} items but {len(encoded)} encoded documents")
        actions = [
            {"_index": self.index_for(it), "_id": it.id,
             "_source": self._doc(it, encoded[i] if encoded else None)}
            for i, it in enumerate(items)
        ]  # fmt: skip
        for attempt in range(3):
            try:
                bulk(self.es, actions, max_retries=3, initial_backoff=0.5)
                self._unrefreshed = True
                return
            except BulkIndexError as exc:
                raise bulk_failure(exc) from exc
            except (ApiError, TransportError) as exc:
                if attempt == 2:
                    raise StoreError(f"Elasticsearch: bulk write failed: {reason(exc)}") from exc
                time.sleep(0.5 * 2**attempt)

    @staticmethod
    def _item(source: dict[str, Any]) -> ScoredItem:
        for key in DERIVED_ITEM_FIELDS:
            source.pop(key, None)
        return ScoredItem.model_validate(source)

    def get(self, item_id: str) -> ScoredItem | None:
        found = self.get_many([item_id])
        return found[0] if found else None

    def get_many(self, item_ids: Iterable[str]) -> list[ScoredItem]:
        """Real-time reads by id, as an item another process just wrote must be found: the
        id does not tell the monthly index, so an `ids` search finds it (after a refresh for
        the ids it misses), then a multi-get reads the latest version of each."""
        ids = list(item_ids)
        if not ids:
            return []
        wanted = list(dict.fromkeys(ids))
        where = self._indices_of(wanted)
        missing = [i for i in wanted if i not in where]
        if missing:
            self.refresh()
            where |= self._indices_of(missing)
        found = self._mget(where)
        return [found[i] for i in ids if i in found]

    def _indices_of(self, ids: list[str]) -> dict[str, str]:
        """The index of each id a search can see."""
        hits = self._hits(self.pattern, query={"ids": {"values": ids}}, size=len(ids), source=False)
        return {h["_id"]: h["_index"] for h in hits}

    def _mget(self, where: dict[str, str]) -> dict[str, ScoredItem]:
        if not where:
            return {}
        docs = [{"_index": index, "_id": item_id} for item_id, index in where.items()]
        response = self._call("get items", self.es.mget, docs=docs)
        return {d["_id"]: self._item(d["_source"]) for d in response["docs"] if d.get("found")}

    def _query(self, q: ItemQuery) -> dict[str, Any]:
        must: list[dict[str, Any]] = []
        filters: list[dict[str, Any]] = []
        if q.text.strip():
            terms = [t for t in self.tokenize(q.text) if t.strip()] or [q.text.strip()]
            must.append({"match": {"text_seg": {"query": " ".join(terms), "operator": "and"}}})
        for field, value in (
            ("profile", q.profile),
            ("source_type", q.source_type),
            ("event_id", q.event_id),
            ("department_codes", q.department),
            ("relevant", q.relevant),
        ):
            if value is not None:
                filters.append({"term": {field: value}})
        if q.town:
            filters.append(
                {
                    "bool": {
                        "should": [
                            {"term": {"jurisdiction.code": q.town}},
                            {"term": {"jurisdiction.name": q.town}},
                        ]
                    }
                }
            )
        if q.categories:
            filters.append({"terms": {"categories": list(q.categories)}})
        if q.min_risk is not None:
            filters.append({"range": {"risk": {"gte": q.min_risk}}})
        if q.since or q.until:
            bounds = {k: v for k, v in (("gte", q.since), ("lt", q.until)) if v}
            filters.append({"range": {"crawled_at": bounds}})
        return {"bool": {"must": must or [{"match_all": {}}], "filter": filters}}

    def search(self, query: ItemQuery) -> list[ScoredItem]:
        self._own_writes_visible()
        hits = self._hits(
            self.pattern,
            query=self._query(query),
            sort=[{"crawled_at": "desc"}, {"id": "asc"}],
            size=query.limit,
            from_=query.offset,
        )
        return [self._item(h["_source"]) for h in hits]

    def count(self, query: ItemQuery | None = None) -> int:
        self._own_writes_visible()
        response = self._call(
            "count items",
            self.es.count,
            index=self.pattern,
            query=self._query(query or ItemQuery()),
            ignore_unavailable=True,
        )
        return int(response["count"])
