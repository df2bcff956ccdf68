"""A case read lean (without its evidence ids, issue #11), on every backend: it counts its
ids, an update appends the ids it holds to the stored ones, readers still get every id,
`has_items` answers for the ids asked about, and a stale lean write loses like any other."""

from __future__ import annotations

import pytest

from pipeline.storage.base import ConflictError, lean_copy
from pipeline.storage.sqlite import open_sqlite_stores
from tests.factories import iso, make_case
from tests.servers import unique


@pytest.fixture(params=["sqlite", "elasticsearch"])
def stores(request, tmp_path):
    if request.param == "sqlite":
        opened = open_sqlite_stores(tmp_path / "store.sqlite")
    else:
        from pipeline.storage.elasticsearch import open_elasticsearch_stores

        es_url = request.getfixturevalue("es_url")
        opened = open_elasticsearch_stores(es_url, prefix=unique("yq").lower())
    yield opened
    opened.close()


def ids(first: int, count: int) -> list[str]:
    return [f"item-{n}" for n in range(first, first + count)]


def test_a_lean_case_appends_and_readers_get_every_id(stores):
    stores.cases.create(make_case(1, items=ids(0, 300)))
    lean = stores.cases.get_lean("case-1")
    assert lean.lean and lean.items == [] and lean.n_items == 300
    grown = lean.model_copy(update={"items": ids(300, 5), "title": "改"})
    saved = stores.cases.update(grown)
    assert saved.lean and saved.items == [] and saved.n_items == 305 and saved.version == 1
    whole = stores.cases.get("case-1")
    assert whole.items == ids(0, 305) and whole.title == "改" and not whole.lean
    assert [c.items for c in stores.cases.list()] == [ids(0, 305)]
    again = stores.cases.get_lean("case-1")
    assert again.n_items == 305 and again.version == 1
    stores.cases.update(again.model_copy(update={"status": "confirmed"}))  # no ids added
    assert stores.cases.get("case-1").items == ids(0, 305)


def test_has_items_answers_for_the_ids_asked(stores):
    stores.cases.create(make_case(1, items=ids(0, 50)))
    assert stores.cases.has_items("case-1", ["item-3", "item-60", "other"]) == {"item-3"}
    lean = stores.cases.get_lean("case-1")
    stores.cases.update(lean.model_copy(update={"items": ["item-60"]}))
    assert stores.cases.has_items("case-1", ["item-3", "item-60", "other"]) == {"item-3", "item-60"}
    assert stores.cases.has_items("missing", ["item-3"]) == set()
    whole = stores.cases.get("case-1")
    stores.cases.update(whole.model_copy(update={"items": [], "status": "dismissed"}))
    assert stores.cases.has_items("case-1", ["item-3", "item-60"]) == set()
    assert stores.cases.has_items("case-1", ids(0, 2_500)) == set()  # many: in chunks


def test_a_stale_lean_write_loses_and_adds_nothing(stores):
    stores.cases.create(make_case(1, items=ids(0, 10)))
    lean = stores.cases.get_lean("case-1")
    stores.cases.update(lean.model_copy(update={"items": ["first"]}))
    with pytest.raises(ConflictError):
        stores.cases.update(lean.model_copy(update={"items": ["second"]}))
    assert stores.cases.get("case-1").items == [*ids(0, 10), "first"]
    assert stores.cases.has_items("case-1", ["first", "second"]) == {"first"}


def test_a_whole_update_after_lean_ones_keeps_every_id(stores):
    """A monitor's step reads the case whole and writes it whole: the ids the alert stage
    appended lean stay, and ids appended whole after them too."""
    stores.cases.create(make_case(1, items=ids(0, 20)))
    for k in range(3):
        lean = stores.cases.get_lean("case-1")
        stores.cases.update(lean.model_copy(update={"items": ids(100 + k, 1)}))
    whole = stores.cases.get("case-1")
    assert whole.items == [*ids(0, 20), *ids(100, 3)]
    stores.cases.update(whole.model_copy(update={"items": [*whole.items, "by-hand"]}))
    assert stores.cases.get("case-1").items == [*ids(0, 20), *ids(100, 3), "by-hand"]
    assert stores.cases.has_items("case-1", ["by-hand", "item-101"]) == {"by-hand", "item-101"}


def test_the_tick_reads_due_cases_lean(stores):
    due = make_case(1, items=ids(0, 30), next_check_at=iso(0))
    stores.cases.create(due)
    stores.cases.refresh()
    (case,) = stores.cases.list_due(iso(10), lean=True)
    assert case.lean and case.items == [] and case.n_items == 30
    (case,) = stores.cases.list_due(iso(10))
    assert case.items == ids(0, 30)


def test_a_new_case_is_never_created_lean(stores):
    case = lean_copy(make_case(1, items=ids(0, 3)))
    with pytest.raises(ValueError):
        stores.cases.create(case)
    assert stores.cases.get("case-1") is None
