"""One store contract suite, run against every backend (SQLite now; Elasticsearch when its
backend lands, by adding a param to the `stores` fixture)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta, timezone

import pytest

from pipeline.storage.base import CaseQuery, ConflictError, ItemQuery, StoreError, wake_key
from pipeline.storage.sqlite import open_sqlite_stores
from tests.factories import BASE_TIME, iso, make_case, make_finding, make_scored
from tests.servers import unique


@pytest.fixture(params=["sqlite", "elasticsearch"])
def open_same(request, tmp_path):
    """Opens this test's stores (one backend, one place); each call is another process's view,
    with its own connection or client."""
    if request.param == "sqlite":

        def open_one():
            return open_sqlite_stores(tmp_path / "store.sqlite")
    else:
        from pipeline.storage.elasticsearch import open_elasticsearch_stores

        es_url, prefix = request.getfixturevalue("es_url"), unique("yq").lower()

        def open_one():
            return open_elasticsearch_stores(es_url, prefix=prefix)

    opened = []

    def tracked():
        opened.append(open_one())
        return opened[-1]

    yield tracked
    for s in opened:
        s.close()


@pytest.fixture
def stores(open_same):
    return open_same()


# -- items -------------------------------------------------------------------------------
def test_items_round_trip_and_idempotent_put(stores):
    items = [make_scored(i) for i in range(5)]
    stores.items.put_many(items)
    stores.items.put_many(items)  # a replayed batch
    assert stores.items.count() == 5
    assert stores.items.get("item-3") == items[3]
    assert stores.items.get("missing") is None
    assert [i.id for i in stores.items.get_many(["item-4", "nope", "item-1"])] == [
        "item-4",
        "item-1",
    ]


def test_item_update_replaces_by_id(stores):
    stores.items.put_many([make_scored(1)])
    stores.items.put_many([make_scored(1, risk=95, title="更新后的标题")])
    assert stores.items.count() == 1
    assert stores.items.get("item-1").risk == 95
    assert stores.items.search(ItemQuery(text="更新后的标题"))[0].id == "item-1"


def test_items_put_with_their_json_encoded_once_by_the_caller(stores):
    """The classify stage hands the JSON it also sends on the bus: the same items stored,
    searchable and filterable as when the store encodes them itself."""
    items = [make_scored(i, title=f"龙湖镇停水{i}") for i in range(3)]
    stores.items.put_many(items, [it.to_json() for it in items])
    stores.items.refresh()
    assert stores.items.get_many(["item-0", "item-2"]) == [items[0], items[2]]
    assert stores.items.count(ItemQuery(text="停水", department="water")) == 3
    with pytest.raises(ValueError):
        stores.items.put_many(items, [items[0].to_json()])  # not one document per item


def test_search_full_text_and_filters(stores):
    stores.items.put_many(
        [
            make_scored(1, title="龙湖镇停水", text="居丁村停水三天"),
            make_scored(
                2,
                title="翰林镇学校食堂",
                text="学生吃到过期食品",
                categories=["moral_bottom_line"],
                risk=90,
                source_type="weibo",
                departments=[{"code": "market", "name": "县市场监督管理局", "role": "lead"}],
            ),
            make_scored(
                3,
                title="天气晴好",
                text="周末出游",
                relevant=False,
                categories=[],
                risk=5,
                departments=[],
                jurisdiction={"name": "定安县", "code": "469021", "level": "county"},
            ),
        ]
    )
    assert [i.id for i in stores.items.search(ItemQuery(text="过期食品"))] == ["item-2"]
    assert [i.id for i in stores.items.search(ItemQuery(text="停水"))] == ["item-1"]
    assert stores.items.search(ItemQuery(text="地震")) == []
    assert {i.id for i in stores.items.search(ItemQuery(categories=["moral_bottom_line"]))} == {
        "item-2"
    }
    assert {i.id for i in stores.items.search(ItemQuery(department="water"))} == {"item-1"}
    assert {i.id for i in stores.items.search(ItemQuery(min_risk=80))} == {"item-2"}
    assert {i.id for i in stores.items.search(ItemQuery(source_type="weibo"))} == {"item-2"}
    assert stores.items.count(ItemQuery(relevant=True)) == 2
    assert {i.id for i in stores.items.search(ItemQuery(town="龙湖镇"))} == {"item-1", "item-2"}
    newest_first = [i.id for i in stores.items.search(ItemQuery())]
    assert newest_first == ["item-3", "item-2", "item-1"]
    assert [i.id for i in stores.items.search(ItemQuery(since=iso(2.5)))] == ["item-3", "item-2"]
    assert len(stores.items.search(ItemQuery(limit=2))) == 2


def test_times_with_different_offsets_sort_and_filter_as_instants(stores):
    # 10:30 in Shanghai is 02:30 UTC: earlier than 03:00 UTC although "10:30" > "03:00".
    stores.items.put_many([
        make_scored(1, crawled_at="2026-11-20T10:30:00+08:00"),
        make_scored(2, crawled_at="2026-11-20T03:00:00+00:00"),
    ])  # fmt: skip
    assert [i.id for i in stores.items.search(ItemQuery())] == ["item-2", "item-1"]
    since = stores.items.search(ItemQuery(since="2026-11-20T10:45:00+08:00"))
    assert [i.id for i in since] == ["item-2"]


def test_search_survives_hostile_query_text(stores):
    stores.items.put_many([make_scored(1)])
    for text in ['"', "AND OR NOT", "*", '停水" OR "x', "(", "NEAR(a b)"]:
        stores.items.search(ItemQuery(text=text))  # no exception


def test_items_another_process_wrote_are_found_by_id_at_once_and_by_search_after_refresh(
    open_same,
):
    """As the alert stage reads what the classify stage wrote: by id as soon as the writer
    returned (a real-time read), by search (event, text) after `refresh`."""
    writer, reader = open_same(), open_same()
    assert reader.items.count() == 0  # the reader was there before the writes
    writer.items.put_many([make_scored(1, title="龙湖镇停水")])
    reader.items.refresh()
    assert [i.id for i in reader.items.search(ItemQuery(text="停水"))] == ["item-1"]
    assert reader.items.count(ItemQuery(event_id="evt-1")) == 1
    writer.items.put_many([make_scored(2, title="第一版")])
    reader.items.refresh()  # a search sees the first version from now on
    writer.items.put_many([make_scored(2, title="第二版"), make_scored(3)])
    found = reader.items.get_many(["item-3", "item-2", "nope", "item-3"])
    assert [(i.id, i.title) for i in found] == [
        ("item-3", make_scored(3).title),
        ("item-2", "第二版"),
        ("item-3", make_scored(3).title),
    ]


# -- cases -------------------------------------------------------------------------------
def test_case_create_once(stores):
    case = make_case(1)
    assert stores.cases.create(case) is True
    assert stores.cases.create(case.model_copy(update={"title": "x"})) is False
    assert stores.cases.get("case-1").title == case.title
    assert stores.cases.find_by_event("evt-1").case_id == "case-1"
    assert stores.cases.find_by_event("evt-x") is None


def test_case_optimistic_concurrency(stores):
    stores.cases.create(make_case(1))
    first = stores.cases.get("case-1")
    second = stores.cases.get("case-1")
    saved = stores.cases.update(first.model_copy(update={"status": "confirmed"}))
    assert saved.version == first.version + 1
    with pytest.raises(ConflictError):
        stores.cases.update(second.model_copy(update={"status": "dismissed"}))
    assert stores.cases.get("case-1").status == "confirmed"
    assert stores.cases.get("case-1").version == saved.version


def test_case_list_filters(stores):
    stores.cases.create(make_case(1))
    stores.cases.create(make_case(2, status="closed"))
    stores.cases.create(
        make_case(3, lead_department={"code": "education", "name": "县教育局", "role": "lead"})
    )
    assert {c.case_id for c in stores.cases.list()} == {"case-1", "case-2", "case-3"}
    assert {c.case_id for c in stores.cases.list(CaseQuery(open_only=True))} == {
        "case-1",
        "case-3",
    }
    assert {c.case_id for c in stores.cases.list(CaseQuery(department="education"))} == {"case-3"}
    assert {c.case_id for c in stores.cases.list(CaseQuery(department="town_longhu"))} == {
        "case-1",
        "case-2",
        "case-3",
    }
    assert {c.case_id for c in stores.cases.list(CaseQuery(statuses=["closed"]))} == {"case-2"}


def test_case_version_of(stores):
    assert stores.cases.version_of("case-1") is None
    stores.cases.create(make_case(1))
    assert stores.cases.version_of("case-1") == 0
    stores.cases.update(stores.cases.get("case-1").model_copy(update={"title": "改"}))
    assert stores.cases.version_of("case-1") == 1


def test_case_evidence_round_trips_through_every_kind_of_update(stores):
    """A case's `items` read back as written whether an update extends them, empties them
    (merged away), rewrites them or loses a race; lists carry them too."""
    stores.cases.create(make_case(1, items=["a"]))
    steps = [["a", "b", "c"], ["a", "b", "c", "d"], ["x", "b", "c", "d", "e"], ["a", "b", "c"]]
    steps += [[], ["x", "y"], ["y", "x", "z"], ["y"]]  # a changed head with the same tail too
    for items in steps:
        case = stores.cases.get("case-1")
        stores.cases.update(case.model_copy(update={"items": items}))
        assert stores.cases.get("case-1").items == items
    stale = stores.cases.get("case-1")
    stores.cases.update(stale.model_copy(update={"items": ["y", "w"]}))
    with pytest.raises(ConflictError):
        stores.cases.update(stale.model_copy(update={"items": ["y", "lost"]}))
    assert stores.cases.get("case-1").items == ["y", "w"]
    assert [c.items for c in stores.cases.list()] == [["y", "w"]]
    assert [c.items for c in stores.cases.list_due(iso(10_000))] == [["y", "w"]]


def test_case_list_due_pages_by_next_check(stores):
    """The clock tick's queue: open cases whose next check has come (offsets differ), oldest
    first, paged by (key, id); none pending ("") and closed ones never; not computed yet
    (None) at once."""
    checks = {1: iso(30), 2: iso(10), 3: "", 4: None, 5: iso(90), 6: iso(10)}
    for n, check in checks.items():
        stores.cases.create(make_case(n, next_check_at=check))
    stores.cases.create(make_case(7, status="closed", next_check_at=iso(0)))
    shifted = (BASE_TIME + timedelta(minutes=20)).astimezone(timezone(timedelta(hours=-5)))
    due = stores.cases.list_due(shifted.isoformat())
    assert [c.case_id for c in due] == ["case-4", "case-2", "case-6"]
    first = stores.cases.list_due(iso(60), limit=2)
    assert [c.case_id for c in first] == ["case-4", "case-2"]
    after = (wake_key(first[-1]), first[-1].case_id)
    assert [c.case_id for c in stores.cases.list_due(iso(60), 2, after)] == ["case-6", "case-1"]
    moved = stores.cases.get("case-2").model_copy(update={"next_check_at": iso(120)})
    stores.cases.update(moved)
    assert [c.case_id for c in stores.cases.list_due(iso(60))] == ["case-4", "case-6", "case-1"]


# -- findings and state ------------------------------------------------------------------
def test_findings(stores):
    stores.findings.put(make_finding(1))
    stores.findings.put(make_finding(1))
    stores.findings.put(make_finding(2, kind="site_tampering"))
    assert len(stores.findings.list()) == 2
    assert [f.kind for f in stores.findings.list(kind="site_tampering")] == ["site_tampering"]


def test_state_store(stores):
    st = stores.state
    assert st.get("seen", "u1") is None
    st.put("seen", "u1", {"hash": "abc"})
    assert st.get("seen", "u1") == {"hash": "abc"}
    assert st.put_if_absent("event_index", "k", "evt-1") == "evt-1"
    assert st.put_if_absent("event_index", "k", "evt-2") == "evt-1"
    st.put("seen", "u2", 1)
    st.put("other", "u3", 1)
    assert [k for k, _ in st.scan("seen")] == ["u1", "u2"]
    assert [k for k, _ in st.scan("seen", prefix="u2")] == ["u2"]
    st.delete("seen", "u1")
    assert st.get("seen", "u1") is None


def test_state_batches(stores):
    st = stores.state
    st.put("ev", "a", 1)
    assert st.get_many("ev", ["a", "b", "c"]) == {"a": 1}
    assert st.put_many_if_absent("ev", {"a": 9, "b": 2}) == {"a": 1, "b": 2}
    assert st.get_many("ev", ["a", "b"]) == {"a": 1, "b": 2}
    assert st.get_many("ev", []) == {}


def test_state_expiry(stores):
    st = stores.state
    st.put("w", "old", 1, expires_at=time.time() - 1)
    st.put("w", "new", 2, expires_at=time.time() + 3600)
    assert st.get("w", "old") is None
    assert st.put_if_absent("w", "old", 3) == 3  # an expired key counts as absent
    st.put("w", "gone", 1, expires_at=time.time() - 1)
    assert st.purge_expired() == 1
    assert [k for k, _ in st.scan("w")] == ["new", "old"]


def test_state_sweeps_purge_expired_keys_in_bounded_steps(stores):
    """`sweep_expired` (what the event index calls now and then) purges every expired key
    within a few calls and no live one."""
    st = stores.state
    for i in range(30):
        st.put("sw", f"k{i:02d}", i, expires_at=time.time() + (3600 if i % 2 else -1))
    purged = sum(st.sweep_expired() for _ in range(3))
    assert purged == 15
    assert [v for _, v in st.scan("sw")] == list(range(1, 30, 2))


def test_put_if_absent_is_atomic_under_races(stores):
    def claim(n):
        return stores.state.put_if_absent("race", "key", f"worker-{n}")

    with ThreadPoolExecutor(8) as pool:
        winners = set(pool.map(claim, range(32)))
    assert len(winners) == 1


def test_batched_claims_take_over_expired_keys_and_agree_under_races(stores):
    st = stores.state
    st.put("eb", "old", 1, expires_at=time.time() - 1)
    st.put("eb", "held", 2)
    assert st.put_many_if_absent("eb", {"old": 5, "held": 9, "new": 6}) == {
        "old": 5,
        "held": 2,
        "new": 6,
    }

    def claim(n):
        return st.put_many_if_absent("rb", {f"k{i}": f"worker-{n}" for i in range(5)})

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(claim, range(8)))
    assert all(a == answers[0] for a in answers), "every racing batch sees the same winners"
    assert st.get_many("rb", [f"k{i}" for i in range(5)]) == answers[0]


def test_batched_claims_are_seen_by_key_elsewhere_at_once_and_by_own_scans(open_same):
    """The classify stage's event claims do not wait for a refresh: another worker reads them
    by key, and loses a race for them, the instant the claim returned; a scan of the claiming
    store lists them too."""
    first, second = open_same(), open_same()
    assert second.state.scan("ev") == []  # the second was there before the claims
    claimed = first.state.put_many_if_absent("ev", {"a": 1, "b": 2})
    assert claimed == {"a": 1, "b": 2}
    assert second.state.get_many("ev", ["a", "b", "c"]) == {"a": 1, "b": 2}
    assert second.state.put_many_if_absent("ev", {"b": 20, "c": 30}) == {"b": 2, "c": 30}
    assert {("a", 1), ("b", 2)} <= set(first.state.scan("ev"))  # its own, at least


def test_unreachable_elasticsearch_gives_clear_error():
    from pipeline.storage.elasticsearch import open_elasticsearch_stores

    with pytest.raises(StoreError, match="127.0.0.1:9.*unreachable"):
        open_elasticsearch_stores("http://127.0.0.1:9")


def test_read_only_store_gives_clear_error(tmp_path):
    path = tmp_path / "ro" / "store.sqlite"
    open_sqlite_stores(path).close()
    path.chmod(0o444)
    try:
        with pytest.raises(StoreError, match="read-only"):
            open_sqlite_stores(path)
    finally:
        path.chmod(0o644)
