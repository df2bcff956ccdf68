"""A refused document is the record's fault (dead-lettered); an overloaded cluster is not."""

from __future__ import annotations

from elasticsearch.helpers import BulkIndexError

from pipeline.storage.base import RejectedError, StoreError
from pipeline.storage.es_items import bulk_failure


def _error(*statuses: int) -> BulkIndexError:
    return BulkIndexError(
        "failed",
        [{"index": {"_id": str(i), "status": s, "error": {}}} for i, s in enumerate(statuses)],
    )


def test_mapping_conflicts_are_rejections():
    failure = bulk_failure(_error(400, 400))
    assert isinstance(failure, RejectedError) and not isinstance(failure, StoreError)


def test_overload_and_server_errors_are_outages():
    assert isinstance(bulk_failure(_error(429)), StoreError)
    assert isinstance(bulk_failure(_error(400, 503)), StoreError)
