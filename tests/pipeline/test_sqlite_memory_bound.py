"""SQLite's memory per connection is bounded by the pragmas every connection gets
(pipeline/sqlite_util.py): a stream through the bus and the stores fills each page cache up
to CACHE_KIB and no further, whatever the file grows to (issue #11: the alert stage's RSS
in a 1,000,000-item soak)."""

from __future__ import annotations

import ctypes
import ctypes.util
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.bus.local import SqliteBus
from pipeline.sqlite_util import CACHE_KIB, MMAP_BYTES
from pipeline.storage.sqlite import open_sqlite_stores
from pipeline.topics import ITEMS_RAW


def _libsqlite() -> ctypes.CDLL:
    """The SQLite library the sqlite3 module runs on, for its memory counter."""
    import _sqlite3

    for lib in (_sqlite3.__file__, ctypes.util.find_library("sqlite3")):
        try:
            found = ctypes.CDLL(lib)
            found.sqlite3_memory_used.restype = ctypes.c_int64
            found.sqlite3_libversion.restype = ctypes.c_char_p
        except (OSError, AttributeError, TypeError):
            continue
        if found.sqlite3_libversion().decode() == sqlite3.sqlite_version:
            return found
    pytest.skip("the sqlite3 module's SQLite library cannot be loaded for its memory counter")


def pragmas(conn: sqlite3.Connection) -> tuple[int, int]:
    return (
        conn.execute("PRAGMA cache_size").fetchone()[0],
        conn.execute("PRAGMA mmap_size").fetchone()[0],
    )


@pytest.fixture
def bus(tmp_path: Path) -> Iterator[SqliteBus]:
    bus = SqliteBus(tmp_path / "bus.sqlite")
    bus.ensure_topics([ITEMS_RAW])
    yield bus
    bus.close()


def test_every_connection_of_the_stores_and_the_bus_has_the_bound(
    tmp_path: Path, bus: SqliteBus
) -> None:
    stores = open_sqlite_stores(tmp_path / "store.sqlite")
    producer, consumer = bus.producer(), bus.consumer("g", [ITEMS_RAW.name])
    try:
        conns = [stores.items._conn, stores.cases._conn, producer._conn, consumer._conn]  # type: ignore[attr-defined]
        assert {pragmas(c) for c in conns} == {(-CACHE_KIB, MMAP_BYTES)}
    finally:
        producer.close()
        consumer.close()
        stores.close()


def test_a_stream_far_larger_than_the_cache_leaves_sqlite_memory_at_the_bound(
    bus: SqliteBus,
) -> None:
    """24 MB written and read back by two connections: SQLite's memory grows by about two
    page caches (CACHE_KIB each), not by the size of the log."""
    lib = _libsqlite()
    producer, consumer = bus.producer(), bus.consumer("g", [ITEMS_RAW.name])
    try:
        before = lib.sqlite3_memory_used()
        body = bytes(range(256)) * 16  # 4 KiB: a page or more per message
        for i in range(6000):
            producer.send(ITEMS_RAW.name, body + str(i).encode(), str(i).encode())
            if i % 500 == 499:
                producer.flush()
        producer.flush()
        seen = 0
        while batch := consumer.poll(500, 0.05):
            seen += len(batch)
            consumer.commit(batch)
        grown = lib.sqlite3_memory_used() - before
    finally:
        producer.close()
        consumer.close()
    assert seen == 6000
    assert grown < 2 * CACHE_KIB * 1024 * 1.25 + 1_000_000, grown
