"""What every embedded store shares: one SQLite connection and lock per process, errors that
name the file, and sortable UTC time keys."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC
from pathlib import Path
from typing import Any

from pipeline.models import parse_time
from pipeline.storage.base import (
    StoreError,
)


def utc_key(value: str) -> str:
    """An ISO time as a sortable UTC string: times written with different offsets compare
    and sort correctly (the document keeps the original)."""
    dt = parse_time(value)
    if dt.utcoffset():
        dt = dt.astimezone(UTC)
    # exactly what strftime("%Y-%m-%dT%H:%M:%S.%fZ") gave, for less (one key per item)
    return dt.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


# SQLITE_READONLY, SQLITE_FULL, SQLITE_CANTOPEN: retrying will not help until a person acts.
_NEEDS_A_PERSON = {8: "is read-only", 13: "is full (the disk or the database's size limit)",
                   14: "cannot be opened"}  # fmt: skip


def store_error(path: Path, exc: sqlite3.Error) -> StoreError:
    """A StoreError naming the file; `permanent` when only a person can fix it (a full disk,
    a read-only file), so the runner stops the stage cleanly instead of retrying forever."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code in _NEEDS_A_PERSON:
        error = StoreError(f"store {path} {_NEEDS_A_PERSON[code]}: {exc}")
        error.permanent = True  # type: ignore[attr-defined]
        return error
    return StoreError(f"store {path}: {exc}")


class SqliteBase:
    def __init__(self, path: Path, conn: sqlite3.Connection, lock: threading.RLock):
        self.path, self._conn, self._lock = path, conn, lock

    def _run(self, fn, *args):
        with self._lock:
            try:
                return fn(*args)
            except sqlite3.Error as exc:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise store_error(self.path, exc) from exc

    def _write(self, statements: Iterable[tuple[str, Sequence[Any]]]) -> None:
        def go():
            self._conn.execute("BEGIN IMMEDIATE")
            for sql, params in statements:
                self._conn.execute(sql, params)
            self._conn.execute("COMMIT")

        self._run(go)

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self._run(lambda: self._conn.execute(sql, params).fetchall())
