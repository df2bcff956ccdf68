"""The embedded stores: items (with an FTS5 full-text index), cases, findings and state,
in one SQLite file shared by every stage process of a machine."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from datetime import UTC
from pathlib import Path
from typing import Any

from pipeline.models import Case, Finding, ScoredItem, parse_time
from pipeline.sqlite_util import connect_sqlite
from pipeline.storage.base import (
    CaseQuery,
    CaseStore,
    ConflictError,
    FindingStore,
    ItemQuery,
    ItemStore,
    StateStore,
    StoreError,
    Stores,
    Tokenizer,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (id TEXT PRIMARY KEY, profile TEXT, crawled_at TEXT,
    published_at TEXT, source_type TEXT, relevant INTEGER, risk INTEGER, event_id TEXT,
    town_code TEXT, town_name TEXT, categories TEXT, departments TEXT, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS items_crawled ON items (crawled_at);
CREATE INDEX IF NOT EXISTS items_event ON items (event_id);
CREATE VIRTUAL TABLE IF NOT EXISTS items_text USING fts5(body);
CREATE TABLE IF NOT EXISTS cases (case_id TEXT PRIMARY KEY, profile TEXT, event_id TEXT,
    status TEXT, version INTEGER NOT NULL, opened_at TEXT, departments TEXT, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS cases_event ON cases (event_id);
CREATE TABLE IF NOT EXISTS findings (finding_id TEXT PRIMARY KEY, kind TEXT, found_at TEXT,
    doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS state (ns TEXT, key TEXT, value TEXT NOT NULL, expires_at REAL,
    PRIMARY KEY (ns, key)) WITHOUT ROWID;
"""
OPEN_STATUSES = ("new", "confirmed", "acknowledged", "verifying", "responded", "watching")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[A-Za-z0-9]+")


def utc_key(value: str) -> str:
    """An ISO time as a sortable UTC string: times written with different offsets compare
    and sort correctly (the document keeps the original)."""
    return parse_time(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def bigram_tokenizer(text: str) -> list[str]:
    """Fallback full-text tokens: CJK character bigrams plus latin words, no dictionary."""
    tokens: list[str] = []
    for run in _CJK.findall(text):
        if run.isascii():
            tokens.append(run.lower())
        elif len(run) == 1:
            tokens.append(run)
        else:
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


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


class _SqliteBase:
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


class SqliteItemStore(_SqliteBase, ItemStore):
    def __init__(self, path, conn, lock, tokenizer: Tokenizer | None = None):
        super().__init__(path, conn, lock)
        self.tokenize = tokenizer or bigram_tokenizer

    def _terms(self, text: str) -> list[str]:
        return [t for t in (tok.strip() for tok in self.tokenize(text)) if t and _CJK.search(t)]

    def put_many(self, items: Sequence[ScoredItem]) -> None:
        rows = [(it, " ".join(self._terms(f"{it.title}\n{it.text}"))) for it in items]

        def go():
            self._conn.execute("BEGIN IMMEDIATE")
            for it, body in rows:
                # The full-text row shares the item's rowid, so replacing an item finds its
                # old text by key instead of scanning the index.
                old = self._conn.execute("SELECT rowid FROM items WHERE id = ?", (it.id,))
                for (rowid,) in old.fetchall():
                    self._conn.execute("DELETE FROM items_text WHERE rowid = ?", (rowid,))
                cur = self._conn.execute(
                    "INSERT OR REPLACE INTO items VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (it.id, it.profile, utc_key(it.crawled_at), it.published_at,
                     it.source_type, int(it.relevant), it.risk, it.event_id,
                     it.jurisdiction.code, it.jurisdiction.name, json.dumps(it.categories),
                     json.dumps([d.code for d in it.departments]), it.to_json()),
                )  # fmt: skip
                self._conn.execute(
                    "INSERT INTO items_text (rowid, body) VALUES (?, ?)", (cur.lastrowid, body)
                )
            self._conn.execute("COMMIT")

        if rows:
            self._run(go)

    def get(self, item_id: str) -> ScoredItem | None:
        rows = self._query("SELECT doc FROM items WHERE id = ?", (item_id,))
        return ScoredItem.from_json(rows[0][0]) if rows else None

    def get_many(self, item_ids: Iterable[str]) -> list[ScoredItem]:
        ids = list(item_ids)
        found = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for doc_id, doc in self._query(
                f"SELECT id, doc FROM items WHERE id IN ({marks})", chunk
            ):
                found[doc_id] = ScoredItem.from_json(doc)
        return [found[i] for i in ids if i in found]

    def _where(self, q: ItemQuery) -> tuple[str, list[Any]]:
        clauses, params = ["1=1"], []
        if q.text.strip():
            terms = self._terms(q.text) or [q.text.strip()]
            match = " AND ".join('"' + t.replace('"', '""') + '"' for t in terms)
            clauses.append("rowid IN (SELECT rowid FROM items_text WHERE items_text MATCH ?)")
            params.append(match)
        for col, val in (
            ("profile", q.profile),
            ("source_type", q.source_type),
            ("event_id", q.event_id),
        ):
            if val is not None:
                clauses.append(f"{col} = ?")
                params.append(val)
        if q.town:
            clauses.append("(town_code = ? OR town_name = ?)")
            params += [q.town, q.town]
        if q.categories:
            marks = ",".join("?" * len(q.categories))
            clauses.append(f"EXISTS (SELECT 1 FROM json_each(categories) WHERE value IN ({marks}))")
            params += list(q.categories)
        if q.department:
            clauses.append("EXISTS (SELECT 1 FROM json_each(departments) WHERE value = ?)")
            params.append(q.department)
        if q.min_risk is not None:
            clauses.append("risk >= ?")
            params.append(q.min_risk)
        if q.relevant is not None:
            clauses.append("relevant = ?")
            params.append(int(q.relevant))
        if q.since:
            clauses.append("crawled_at >= ?")
            params.append(utc_key(q.since))
        if q.until:
            clauses.append("crawled_at < ?")
            params.append(utc_key(q.until))
        return " AND ".join(clauses), params

    def search(self, query: ItemQuery) -> list[ScoredItem]:
        where, params = self._where(query)
        rows = self._query(
            f"SELECT doc FROM items WHERE {where} ORDER BY crawled_at DESC, id LIMIT ? OFFSET ?",
            [*params, query.limit, query.offset],
        )
        return [ScoredItem.from_json(r[0]) for r in rows]

    def count(self, query: ItemQuery | None = None) -> int:
        where, params = self._where(query or ItemQuery())
        return self._query(f"SELECT COUNT(*) FROM items WHERE {where}", params)[0][0]


class SqliteCaseStore(_SqliteBase, CaseStore):
    def _row(self, case: Case, version: int) -> tuple:
        depts = [d.code for d in ([case.lead_department] if case.lead_department else [])]
        depts += [d.code for d in case.co_departments]
        doc = case.model_copy(update={"version": version}).to_json()
        return (
            case.case_id,
            case.profile,
            case.event_id,
            case.status,
            version,
            case.opened_at,
            json.dumps(depts),
            doc,
        )

    def get(self, case_id: str) -> Case | None:
        rows = self._query("SELECT doc FROM cases WHERE case_id = ?", (case_id,))
        return Case.from_json(rows[0][0]) if rows else None

    def create(self, case: Case) -> bool:
        def go():
            cur = self._conn.execute(
                "INSERT OR IGNORE INTO cases VALUES (?,?,?,?,?,?,?,?)",
                self._row(case, case.version),
            )
            return cur.rowcount == 1

        return self._run(go)

    def update(self, case: Case) -> Case:
        new_version = case.version + 1
        row = self._row(case, new_version)

        def go():
            cur = self._conn.execute(
                "UPDATE cases SET profile=?, event_id=?, status=?, version=?, opened_at=?, "
                "departments=?, doc=? WHERE case_id=? AND version=?",
                (*row[1:], case.case_id, case.version),
            )
            return cur.rowcount

        if self._run(go) != 1:
            raise ConflictError(f"case {case.case_id}: changed since version {case.version}")
        return case.model_copy(update={"version": new_version})

    def list(self, query: CaseQuery | None = None) -> list[Case]:
        q = query or CaseQuery()
        clauses, params = ["1=1"], []
        for col, val in (("profile", q.profile), ("event_id", q.event_id)):
            if val is not None:
                clauses.append(f"{col} = ?")
                params.append(val)
        statuses = list(q.statuses) or (list(OPEN_STATUSES) if q.open_only else [])
        if statuses:
            clauses.append(f"status IN ({','.join('?' * len(statuses))})")
            params += statuses
        if q.department:
            clauses.append("EXISTS (SELECT 1 FROM json_each(departments) WHERE value = ?)")
            params.append(q.department)
        rows = self._query(
            f"SELECT doc FROM cases WHERE {' AND '.join(clauses)} ORDER BY opened_at DESC, "
            "case_id LIMIT ?",
            [*params, q.limit],
        )
        return [Case.from_json(r[0]) for r in rows]


class SqliteFindingStore(_SqliteBase, FindingStore):
    def put(self, finding: Finding) -> None:
        self._write(
            [
                (
                    "INSERT OR REPLACE INTO findings VALUES (?,?,?,?)",
                    (finding.finding_id, finding.kind, finding.found_at, finding.to_json()),
                )
            ]
        )

    def list(self, kind: str | None = None, limit: int = 200) -> list[Finding]:
        where, params = ("WHERE kind = ?", [kind]) if kind else ("", [])
        rows = self._query(
            f"SELECT doc FROM findings {where} ORDER BY found_at DESC LIMIT ?", [*params, limit]
        )
        return [Finding.from_json(r[0]) for r in rows]


# State values: `json.dumps(value, ensure_ascii=False)` with one encoder (not one per call);
# a plain JSON string (no escapes: most of the event index's values) read without the parser.
_encode = json.JSONEncoder(ensure_ascii=False).encode


def _decode(raw: str) -> Any:
    if raw[:1] == '"' and "\\" not in raw:
        return raw[1:-1]
    return json.loads(raw)


class SqliteStateStore(_SqliteBase, StateStore):
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


def open_sqlite_stores(path: str | Path, tokenizer: Tokenizer | None = None) -> Stores:
    path = Path(path)
    conn = connect_sqlite(path, error=StoreError, what="store")
    try:
        conn.executescript(SCHEMA)
    except sqlite3.Error as exc:
        raise StoreError(f"store {path}: cannot create tables: {exc}") from exc
    lock = threading.RLock()
    return Stores(
        items=SqliteItemStore(path, conn, lock, tokenizer),
        cases=SqliteCaseStore(path, conn, lock),
        findings=SqliteFindingStore(path, conn, lock),
        state=SqliteStateStore(path, conn, lock),
        url=f"sqlite:{path}",
        closers=[conn.close],
    )
