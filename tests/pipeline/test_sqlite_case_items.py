"""The SQLite case store keeps a case's evidence ids beside its document: an update that adds
a few ids writes those, not the whole list again, and a row written before (ids in the
document) still reads and updates."""

from __future__ import annotations

import json
import sqlite3

from pipeline.storage.sqlite import open_sqlite_stores
from tests.factories import make_case


def test_an_update_that_adds_ids_writes_only_those(tmp_path):
    path = tmp_path / "store.sqlite"
    stores = open_sqlite_stores(path)
    try:
        ids = [f"item-{n}" for n in range(5_000)]
        stores.cases.create(make_case(1, items=ids))
        case = stores.cases.get("case-1")
        stores.cases.update(case.model_copy(update={"items": [*ids, "item-new"]}))
        assert stores.cases.get("case-1").items == [*ids, "item-new"]
    finally:
        stores.close()
    with sqlite3.connect(path) as conn:
        (doc,) = conn.execute("SELECT doc FROM cases WHERE case_id = 'case-1'").fetchone()
        parts = conn.execute("SELECT seq, ids FROM case_items ORDER BY seq").fetchall()
    assert json.loads(doc)["items"] == [] and len(doc) < 2_000  # not 5,001 ids
    assert [(seq, len(json.loads(part))) for seq, part in parts] == [(0, 5_000), (5_000, 1)]


def test_a_case_stored_before_keeps_its_ids(tmp_path):
    path = tmp_path / "store.sqlite"
    stores = open_sqlite_stores(path)
    stores.cases.create(make_case(1, items=["a"]))
    stores.close()
    old = make_case(1, items=["a", "b"]).to_json()  # as written when ids lived in the doc
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM case_items")
        conn.execute("UPDATE cases SET doc = ?, n_items = NULL, last_item = NULL", (old,))
    stores = open_sqlite_stores(path)
    try:
        case = stores.cases.get("case-1")
        assert case.items == ["a", "b"]
        assert stores.cases.has_items("case-1", ["b", "z"]) == {"b"}  # from the document
        assert stores.cases.get_lean("case-1").items == ["a", "b"]  # whole: ids in the doc
        stores.cases.update(case.model_copy(update={"items": ["a", "b", "c"]}))
        assert stores.cases.get("case-1").items == ["a", "b", "c"]
        assert stores.cases.has_items("case-1", ["c", "z"]) == {"c"}  # indexed now
        assert [c.items for c in stores.cases.list()] == [["a", "b", "c"]]
    finally:
        stores.close()


def test_a_store_made_before_the_id_index_fills_it_once(tmp_path):
    """A store written before `case_item_index` existed: opening it indexes every stored id,
    so a lean writer's lookups find them (a replay is not added twice)."""
    path = tmp_path / "store.sqlite"
    stores = open_sqlite_stores(path)
    stores.cases.create(make_case(1, items=["a", "b"]))
    stores.close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE case_item_index")
    for _ in range(2):  # the second open finds the index made: nothing to fill
        stores = open_sqlite_stores(path)
        try:
            assert stores.cases.has_items("case-1", ["a", "b", "c"]) == {"a", "b"}
            lean = stores.cases.get_lean("case-1")
            assert lean is not None and lean.n_items == 2 and lean.items == []
        finally:
            stores.close()
