"""The opener on Elasticsearch, where the classify stage's item writes do not wait for a
refresh (issue #11): a case opening in the alert process still takes in the event's earlier
items that another process stored an instant before."""

from __future__ import annotations

import pytest

from alerts.cases import CaseBuilder
from alerts.escalation import ClockNarrator
from alerts.opener import CaseOpener
from alerts.policy_options import OpeningRule
from pipeline.storage.base import CaseQuery, ItemQuery
from pipeline.storage.elasticsearch import open_elasticsearch_stores
from tests.alerts.conftest import T0, calculator
from tests.factories import make_scored
from tests.servers import unique


@pytest.mark.es
def test_a_case_opening_finds_the_items_another_process_just_stored(es_url: str) -> None:
    prefix = unique("yq-opener").lower()
    classify = open_elasticsearch_stores(es_url, prefix=prefix)  # the classify worker's view
    alert = open_elasticsearch_stores(es_url, prefix=prefix)  # the alert stage's view
    try:
        assert alert.items.search(ItemQuery()) == []  # the alert side was up before the writes
        opener = CaseOpener(
            alert.cases,
            lambda _profile: CaseBuilder(ClockNarrator(calculator("dingan-2016"))),
            OpeningRule(),
            items=alert.items,
        )
        for n in range(3):  # each batch: earlier sightings stored, then the one that opens
            event = f"evt-burst-{n}"
            earlier = [
                make_scored(10 * n + k, event_id=event, categories=[], risk=5) for k in (1, 2)
            ]
            classify.items.put_many([*earlier, make_scored(10 * n + 3, event_id=event)])
            result = opener.apply([make_scored(10 * n + 3, event_id=event)], T0)
            assert len(result.opened) == 1
            (case,) = alert.cases.list(CaseQuery(event_id=event))
            assert sorted(case.items) == sorted([*(i.id for i in earlier), f"item-{10 * n + 3}"])
    finally:
        classify.close()
        alert.close()
