"""The SQLite state store's batched claim (`put_many_if_absent`, pipeline/storage/sqlite.py):
absent and expired keys are taken, live ones keep their value."""

from __future__ import annotations

import time

from pipeline.storage.sqlite import open_sqlite_stores


def test_a_batch_of_absent_keys_is_stored_as_given(tmp_path):
    stores = open_sqlite_stores(tmp_path / "store.sqlite")
    entries = {f"band:{i}": f"ev-{i % 7}" for i in range(1200)} | {"sig": {"a": [1, 2]}}
    assert stores.state.put_many_if_absent("ev", entries, time.time() + 60) == entries
    assert stores.state.get_many("ev", list(entries)) == entries
    stores.close()


def test_live_keys_win_expired_and_absent_ones_are_taken(tmp_path):
    stores = open_sqlite_stores(tmp_path / "store.sqlite")
    st = stores.state
    st.put("ev", "live", {"event": "ev-old"}, expires_at=time.time() + 60)
    st.put("ev", "forever", "ev-kept")
    st.put("ev", "expired", "ev-gone", expires_at=time.time() - 1)
    got = st.put_many_if_absent(
        "ev",
        {"live": "ev-new", "forever": "ev-new", "expired": "ev-new", "absent": "ev-new"},
        time.time() + 60,
    )
    assert got == {
        "live": {"event": "ev-old"},
        "forever": "ev-kept",
        "expired": "ev-new",
        "absent": "ev-new",
    }
    assert st.get_many("ev", list(got)) == got
    assert st.put_many_if_absent("ev", {}) == {}
    stores.close()


def test_two_stores_claiming_the_same_keys_agree(tmp_path):
    first = open_sqlite_stores(tmp_path / "store.sqlite")
    second = open_sqlite_stores(tmp_path / "store.sqlite")
    a = first.state.put_many_if_absent("ev", {"k1": "a", "k2": "a"}, time.time() + 60)
    b = second.state.put_many_if_absent("ev", {"k2": "b", "k3": "b"}, time.time() + 60)
    assert a == {"k1": "a", "k2": "a"} and b == {"k2": "a", "k3": "b"}
    first.close()
    second.close()


def test_held_keys_in_several_chunks_are_read_back(tmp_path):
    """A claim of more keys than one statement takes (500): only the chunks holding a live
    key are read back, and each held key keeps its value."""
    stores = open_sqlite_stores(tmp_path / "store.sqlite")
    st = stores.state
    held = {f"k{i:04d}": f"old-{i}" for i in range(0, 1300, 97)}
    for key, value in held.items():
        st.put("ev", key, value, expires_at=time.time() + 60)
    st.put("ev", "k0500", "gone", expires_at=time.time() - 1)
    entries = {f"k{i:04d}": f"new-{i}" for i in range(1300)}
    got = st.put_many_if_absent("ev", entries, time.time() + 60)
    assert got == entries | held
    assert st.get_many("ev", list(entries)) == got
    stores.close()


def rows(stores) -> int:
    return stores.state._conn.execute("SELECT COUNT(*) FROM state").fetchone()[0]


def test_a_sweep_purges_expired_keys_a_bounded_stretch_at_a_time(tmp_path):
    stores = open_sqlite_stores(tmp_path / "store.sqlite")
    st = stores.state
    for i in range(60):
        st.put(
            "a" if i % 2 else "b", f"k{i:02d}", i, expires_at=time.time() + (60 if i % 3 else -1)
        )
    assert rows(stores) == 60
    # key order: a/k01 … a/k59 (odd), b/k00 … b/k58 (even); every third i expired
    assert st.sweep_expired(rows=25) == 8  # a/k01 … a/k49 only
    assert [st.sweep_expired(rows=25) for _ in range(3)] == [9, 3, 0]  # on, the end, round
    assert rows(stores) == 40
    assert len(st.scan("a")) + len(st.scan("b")) == 40
    stores.close()


def test_the_event_index_sweeps_now_and_then(tmp_path):
    from classifiers.events import EventIndex
    from pipeline.models import Item

    stores = open_sqlite_stores(tmp_path / "store.sqlite")
    stores.state.put("event_index", "band2:0:dead", "ev-old", expires_at=time.time() - 1)
    index = EventIndex(stores.state)
    item = Item(
        id="a", source_type="forum", source_name="x", text="x", published_at=T, crawled_at=T
    )
    index.assign(item, "龙湖镇居丁村停水第四天了，有没有人管管")
    assert rows(stores) > 1 and stores.state._conn.execute(
        "SELECT COUNT(*) FROM state WHERE key = 'band2:0:dead'"
    ).fetchone() == (1,)  # not yet: a sweep a minute
    index._next_sweep = 0
    index.assign(item, "龙湖镇居丁村停水第四天了，有没有人管管")
    assert stores.state._conn.execute(
        "SELECT COUNT(*) FROM state WHERE expires_at <= ?", (time.time(),)
    ).fetchone() == (0,)
    stores.close()


T = "2026-11-20T10:00:00+08:00"
