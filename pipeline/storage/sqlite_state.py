"""The embedded state store (SQLite): namespaced keys with expiry, batched claims for the
classifier's event index."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from json.encoder import encode_basestring
from typing import Any

from pipeline.storage.base import (
    StateStore,
)
from pipeline.storage.sqlite_base import SqliteBase

# a plain JSON string (no escapes: most of the event index's values) read without the parser.
_encode = json.JSONEncoder(ensure_ascii=False).encode


def _decode(raw: str) -> Any:
    if raw[:1] == '"' and "\\" not in raw:
        return raw[1:-1]
    return json.loads(raw)


def _encode_value(value: Any) -> str:
    """`_encode`, with a str (the event index's values) straight to the C escaper."""
    return encode_basestring(value) if type(value) is str else _encode(value)


SWEEP_ROWS = 20_000  # keys a sweep looks at: a few milliseconds
_CHUNK = 500  # rows per claim statement, and keys per read-back
# insert unless live (an expired key is replaced): a held key changes no row
_CLAIM = (
    "INSERT INTO state VALUES (?,?,?,?) ON CONFLICT (ns, key) DO UPDATE SET "
    "value = excluded.value, expires_at = excluded.expires_at "
    "WHERE state.expires_at IS NOT NULL AND state.expires_at <= ?"
)


class SqliteStateStore(SqliteBase, StateStore):
    _sweep_from: tuple[str, str] | None = None  # the last key a sweep looked at

    def get(self, namespace: str, key: str) -> Any | None:
        rows = self._query(
            "SELECT value FROM state WHERE ns = ? AND key = ? AND "
            "(expires_at IS NULL OR expires_at > ?)",
            (namespace, key, time.time()),
        )
        return _decode(rows[0][0]) if rows else None

    def put(self, namespace, key, value, expires_at=None) -> None:
        self._write(
            [
                (
                    "INSERT OR REPLACE INTO state VALUES (?,?,?,?)",
                    (namespace, key, _encode(value), expires_at),
                )
            ]
        )

    def put_if_absent(self, namespace, key, value, expires_at=None) -> Any:
        def go():
            self._conn.execute("BEGIN IMMEDIATE")
            row = self._conn.execute(
                "SELECT value, expires_at FROM state WHERE ns = ? AND key = ?", (namespace, key)
            ).fetchone()
            if row and (row[1] is None or row[1] > time.time()):
                self._conn.execute("COMMIT")
                return _decode(row[0])
            self._conn.execute(
                "INSERT OR REPLACE INTO state VALUES (?,?,?,?)",
                (namespace, key, _encode(value), expires_at),
            )
            self._conn.execute("COMMIT")
            return value

        return self._run(go)

    def get_many(self, namespace: str, keys: Sequence[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        now = time.time()
        keys = list(keys)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, value in self._query(
                f"SELECT key, value FROM state WHERE ns = ? AND key IN ({marks}) AND "
                "(expires_at IS NULL OR expires_at > ?)",
                (namespace, *chunk, now),
            ):
                found[key] = _decode(value)
        return found

    def put_many_if_absent(self, namespace, entries, expires_at=None) -> dict[str, Any]:
        """One transaction of upserts in key order (an expired key is replaced, a live one
        kept), chunk by chunk; only a chunk where fewer rows changed than it has, i.e. some
        key is held, is read back. Most batches (all new keys) read nothing, and sorted
        inserts dirty fewer pages than the same rows in hash order."""
        rows = sorted(entries.items())

        def go():
            self._conn.execute("BEGIN IMMEDIATE")
            now = time.time()
            held: dict[str, str] = {}
            for start in range(0, len(rows), _CHUNK):
                chunk = rows[start : start + _CHUNK]
                before = self._conn.total_changes
                self._conn.executemany(
                    _CLAIM, [(namespace, k, _encode_value(v), expires_at, now) for k, v in chunk]
                )
                # (total_changes is a C int: a wrap reads back once too many, never too few)
                if self._conn.total_changes - before < len(chunk):
                    keys = [k for k, _ in chunk]
                    marks = ",".join("?" * len(keys))
                    held.update(
                        self._conn.execute(
                            f"SELECT key, value FROM state WHERE ns = ? AND key IN ({marks})",
                            (namespace, *keys),
                        ).fetchall()
                    )
            self._conn.execute("COMMIT")
            return {k: _decode(held[k]) if k in held else v for k, v in entries.items()}

        return self._run(go)

    def delete(self, namespace: str, key: str) -> None:
        self._write([("DELETE FROM state WHERE ns = ? AND key = ?", (namespace, key))])

    def scan(self, namespace, prefix="", limit=10_000) -> list[tuple[str, Any]]:
        rows = self._query(
            "SELECT key, value FROM state WHERE ns = ? AND key >= ? AND key < ? AND "
            "(expires_at IS NULL OR expires_at > ?) ORDER BY key LIMIT ?",
            (namespace, prefix, prefix + "\U0010ffff", time.time(), limit),
        )
        return [(k, _decode(v)) for k, v in rows]

    def sweep_expired(self, now: float | None = None, rows: int = SWEEP_ROWS) -> int:
        """Purges the expired keys among the next `rows` keys in key order, from where this
        store's last sweep stopped (round and round): bounded work a stage can do now and
        then, where `purge_expired` scans the whole table."""

        def go():
            self._conn.execute("BEGIN IMMEDIATE")
            start = self._sweep_from or ("", "")
            after = ">" if self._sweep_from else ">="
            end = self._conn.execute(
                f"SELECT ns, key FROM state WHERE (ns, key) {after} (?, ?) ORDER BY ns, key "
                "LIMIT 1 OFFSET ?",
                (*start, rows - 1),
            ).fetchone()
            upper, bound = ("AND (ns, key) <= (?, ?) ", tuple(end)) if end else ("", ())
            cur = self._conn.execute(
                f"DELETE FROM state WHERE (ns, key) {after} (?, ?) {upper}"
                "AND expires_at IS NOT NULL AND expires_at <= ?",
                (*start, *bound, now or time.time()),
            )
            self._conn.execute("COMMIT")
            self._sweep_from = tuple(end) if end else None
            return cur.rowcount

        return self._run(go)

    def purge_expired(self, now: float | None = None) -> int:
        def go():
            cur = self._conn.execute(
                "DELETE FROM state WHERE expires_at IS NOT NULL AND expires_at <= ?",
                (now or time.time(),),
            )
            return cur.rowcount

        return self._run(go)
