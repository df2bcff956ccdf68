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
