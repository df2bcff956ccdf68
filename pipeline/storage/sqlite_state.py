"""The embedded state store (SQLite): namespaced keys with expiry, batched claims for the
classifier's event index."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
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


class SqliteStateStore(SqliteBase, StateStore):
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
        """One read of the live keys and one `executemany` of the absent ones, in one
        transaction (not a SELECT and an INSERT per key)."""
        keys = list(entries)

        def go():
            self._conn.execute("BEGIN IMMEDIATE")
            now = time.time()
            live: dict[str, str] = {}
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                live.update(
                    self._conn.execute(
                        f"SELECT key, value FROM state WHERE ns = ? AND key IN ({marks}) AND "
                        "(expires_at IS NULL OR expires_at > ?)",
                        (namespace, *chunk, now),
                    ).fetchall()
                )
            out = {}
            rows = []
            for key, value in entries.items():
                if key in live:
                    out[key] = _decode(live[key])
                    continue
                rows.append((namespace, key, _encode(value), expires_at))
                out[key] = value
            if rows:
                self._conn.executemany("INSERT OR REPLACE INTO state VALUES (?,?,?,?)", rows)
            self._conn.execute("COMMIT")
            return out

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

    def purge_expired(self, now: float | None = None) -> int:
        def go():
            cur = self._conn.execute(
                "DELETE FROM state WHERE expires_at IS NOT NULL AND expires_at <= ?",
                (now or time.time(),),
            )
            return cur.rowcount

        return self._run(go)
