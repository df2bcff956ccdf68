"""Shared plumbing of the Elasticsearch stores: the client calls and their errors."""

from __future__ import annotations

from typing import Any

from pipeline.redact import redact
from pipeline.storage.base import StoreError

try:
    from elasticsearch import ApiError, Elasticsearch, TransportError
    from elasticsearch import ConflictError as EsConflict
    from elasticsearch import NotFoundError as EsNotFound
    from elasticsearch.helpers import BulkIndexError
except ImportError as exc:  # pragma: no cover - the package is a dependency
    raise ImportError("the Elasticsearch store needs the 'elasticsearch' package") from exc

ES_ERRORS = (ApiError, TransportError, BulkIndexError)
__all__ = ["ES_ERRORS", "EsBase", "EsConflict", "EsNotFound", "Elasticsearch", "reason"]


class EsBase:
    def __init__(self, es: Elasticsearch, prefix: str):
        self.es, self.prefix = es, prefix

    def _call(self, what: str, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (EsConflict, EsNotFound):
            raise
        except ES_ERRORS as exc:
            raise StoreError(f"Elasticsearch: {what} failed: {reason(exc)}") from exc

    def _hits(self, index: str, **body) -> list[dict[str, Any]]:
        response = self._call(
            f"search {index}", self.es.search, index=index, ignore_unavailable=True, **body
        )
        return response["hits"]["hits"]

    def _hits_all(self, index: str, query: dict, sort: list, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` hits, paged with search_after past ES's 10,000-hit window."""
        hits: list[dict[str, Any]] = []
        after = None
        while len(hits) < limit:
            page_size = min(limit - len(hits), 5000)
            extra = {"search_after": after} if after else {}
            page = self._hits(index, query=query, sort=sort, size=page_size, **extra)
            hits += page
            if len(page) < page_size:
                break
            after = page[-1]["sort"]
        return hits


def reason(exc: Exception) -> str:
    """One line about an Elasticsearch failure, with credentials and secrets masked."""
    if isinstance(exc, BulkIndexError):
        first = exc.errors[0] if exc.errors else {}
        return redact(f"{len(exc.errors)} document(s) rejected, first: {first}")
    return redact(exc)[:500]
