"""The Elasticsearch case store keeps a case's evidence ids in parts beside its document
(issue #11): an update that adds a few ids writes a part of those, not the whole list again;
a document written before (ids in it) still reads and updates; a part nobody names (a writer
that died, a race's loser) is never seen."""

from __future__ import annotations

import json

import pytest

from pipeline.storage import es_case_items
from pipeline.storage.base import ConflictError, StoreError
from pipeline.storage.elasticsearch import open_elasticsearch_stores
from pipeline.storage.es_mappings import DERIVED_CASE_FIELDS
from tests.factories import make_case
from tests.servers import unique

pytestmark = pytest.mark.es


@pytest.fixture
def stores(es_url):
    opened = open_elasticsearch_stores(es_url, prefix=unique("ci").lower())
    yield opened
    opened.close()


def parts_of(stores, case_id: str) -> list[tuple[int, int]]:
    """(start, number of ids) of every part document of the case, as stored."""
    es, index = stores.cases.es, stores.cases.parts.index
    es.indices.refresh(index=index)
    hits = es.search(index=index, query={"term": {"case_id": case_id}}, size=1000)["hits"]["hits"]
    return sorted((h["_source"]["start"], len(h["_source"]["ids"])) for h in hits)


def raw_case(stores, case_id: str) -> dict:
    return stores.cases.es.get(index=stores.cases.index, id=case_id)["_source"]


def test_an_update_that_adds_ids_writes_only_those(stores):
    ids = [f"item-{n}" for n in range(5_000)]
    stores.cases.create(make_case(1, items=ids))
    case = stores.cases.get("case-1")
    stores.cases.update(case.model_copy(update={"items": [*ids, "item-new"]}))
    assert stores.cases.get("case-1").items == [*ids, "item-new"]
    assert parts_of(stores, "case-1") == [(0, 5_000), (5_000, 1)]
    doc = raw_case(stores, "case-1")
    assert doc["items"] == [] and doc["n_items"] == 5_001
    assert len(json.dumps(doc)) < 3_000  # not 5,001 ids
    assert [c.items for c in stores.cases.list()] == [[*ids, "item-new"]]


def test_a_rewrite_replaces_the_parts(stores):
    stores.cases.create(make_case(1, items=["a", "b"]))
    case = stores.cases.update(stores.cases.get("case-1").model_copy(update={"items": ["a"]}))
    assert parts_of(stores, "case-1") == [(0, 1)]
    stores.cases.update(case.model_copy(update={"items": []}))
    assert parts_of(stores, "case-1") == [] and stores.cases.get("case-1").items == []


def test_many_appends_are_folded_into_one_part(stores, monkeypatch):
    monkeypatch.setattr(es_case_items, "MAX_PARTS", 3)
    stores.cases.create(make_case(1, items=["i0"]))
    for n in range(1, 3):
        case = stores.cases.get("case-1")
        stores.cases.update(case.model_copy(update={"items": [*case.items, f"i{n}"]}))
    case = stores.cases.get("case-1")
    stores.cases.update(case.model_copy(update={"title": "改"}))  # no new ids: nothing folded
    assert parts_of(stores, "case-1") == [(0, 1), (1, 1), (2, 1)]
    for n in range(3, 6):
        case = stores.cases.get("case-1")
        stores.cases.update(case.model_copy(update={"items": [*case.items, f"i{n}"]}))
    assert stores.cases.get("case-1").items == [f"i{n}" for n in range(6)]
    assert parts_of(stores, "case-1") == [(0, 4), (4, 1), (5, 1)]


def test_lean_appends_fold_the_tail_without_reading_the_head(stores, monkeypatch):
    """A lean writer (the alert stage on a viral case) never reads more than FOLD_IDS ids:
    at MAX_PARTS it folds the trailing parts that fit into one with its new ids."""
    monkeypatch.setattr(es_case_items, "MAX_PARTS", 3)
    monkeypatch.setattr(es_case_items, "FOLD_IDS", 5)
    read: list[int] = []
    fetch = stores.cases.parts.fetch

    def counted(wanted):
        found = fetch(wanted)
        read.extend(len(ids or []) for ids in found.values())
        return found

    stores.cases.create(make_case(1, items=[f"i{n}" for n in range(10)]))
    monkeypatch.setattr(stores.cases.parts, "fetch", counted)
    for n in range(10, 17):
        lean = stores.cases.get_lean("case-1")
        stores.cases.update(lean.model_copy(update={"items": [f"i{n}"]}))
    assert read == [2, 4]  # the tail folded twice; the head (10 ids) never read
    # the last append found no tail to fold within FOLD_IDS: one part over MAX_PARTS
    assert parts_of(stores, "case-1") == [(0, 10), (10, 5), (15, 1), (16, 1)]
    assert stores.cases.get("case-1").items == [f"i{n}" for n in range(17)]
    assert stores.cases.has_items("case-1", ["i0", "i16", "i99"]) == {"i0", "i16"}


def test_a_changed_prefix_with_the_same_last_id_is_a_rewrite(stores):
    stores.cases.create(make_case(1, items=["a", "b", "c"]))
    case = stores.cases.get("case-1")
    stores.cases.update(case.model_copy(update={"items": ["x", "b", "c", "d"]}))
    assert stores.cases.get("case-1").items == ["x", "b", "c", "d"]


def test_a_case_stored_before_keeps_its_ids(stores):
    stores.cases.create(make_case(1, items=["a"]))
    old = make_case(1, items=["a", "b"]).to_dict()  # as written when ids lived in the doc
    old |= {"department_codes": ["water", "town_longhu"], "wake_key": ""}
    stores.cases.es.index(index=stores.cases.index, id="case-1", document=old)
    case = stores.cases.get("case-1")
    assert case.items == ["a", "b"]
    assert [c.items for c in stores.cases.list()] == [["a", "b"]]
    stores.cases.update(case.model_copy(update={"items": ["a", "b", "c"]}))
    assert stores.cases.get("case-1").items == ["a", "b", "c"]
    assert raw_case(stores, "case-1")["items"] == []
    assert set(raw_case(stores, "case-1")) >= set(DERIVED_CASE_FIELDS)


def test_parts_nobody_names_are_not_seen(stores):
    stores.cases.create(make_case(1, items=["a"]))
    assert stores.cases.create(make_case(1, items=["second"])) is False  # its part deleted
    stores.cases.parts.write("case-1", 1, ["died-before-the-case-was-written"])
    stores.cases.parts.refresh()  # searchable, as a part a crash left long ago is
    assert stores.cases.get("case-1").items == ["a"]
    stale = stores.cases.get("case-1")
    stores.cases.update(stale.model_copy(update={"items": ["a", "b"]}))
    with pytest.raises(ConflictError):  # the loser's part is deleted again
        stores.cases.update(stale.model_copy(update={"items": ["a", "lost"]}))
    assert stores.cases.get("case-1").items == ["a", "b"]
    assert parts_of(stores, "case-1") == [(0, 1), (1, 1)]  # the dead writer's swept


def test_a_process_sweeps_what_a_crash_left_but_not_a_write_in_flight(stores):
    """The first write of a case in a process deletes its parts no document names that were
    meant for a version the case has reached; a part meant for a later version may be a
    writer's between its two writes, and stays."""
    stores.cases.create(make_case(1, items=["a"]))
    stores.cases.parts.write("case-1", 1, ["died"], version=1)  # died before its doc
    stores.cases.parts.write("case-1", 1, ["in-flight"], version=5)
    stores.cases.parts.refresh()
    case = stores.cases.update(stores.cases.get("case-1").model_copy(update={"items": ["a", "b"]}))
    assert case.version == 1
    assert parts_of(stores, "case-1") == [(0, 1), (1, 1), (1, 1)]  # "b", and the one in flight
    stores.cases.parts.write("case-1", 2, ["died-later"], version=2)
    stores.cases.parts.refresh()
    stores.cases.update(case.model_copy(update={"items": ["a", "b", "c"]}))  # swept already
    assert len(parts_of(stores, "case-1")) == 5
    other = open_elasticsearch_stores(stores.url, prefix=stores.cases.prefix)
    try:  # another process: sweeps on its first write
        lean = other.cases.get_lean("case-1")
        other.cases.update(lean.model_copy(update={"items": ["d"]}))
    finally:
        other.close()
    assert parts_of(stores, "case-1") == [(0, 1), (1, 1), (1, 1), (2, 1), (3, 1)]
    assert stores.cases.get("case-1").items == ["a", "b", "c", "d"]


def test_a_missing_part_is_an_error_not_a_short_list(stores):
    stores.cases.create(make_case(1, items=["a"]))
    (name,) = raw_case(stores, "case-1")["item_parts"]
    stores.cases.es.delete(index=stores.cases.parts.index, id=f"case-1:{name}")
    with pytest.raises(StoreError, match="evidence ids missing"):
        stores.cases.get("case-1")
