"""The embedded stores: items (with an FTS5 full-text index), cases, findings and state,
in one SQLite file shared by every stage process of a machine."""

from __future__ import annotations

import itertools
import re
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic_core import to_json

from pipeline.models import ScoredItem
from pipeline.sqlite_util import connect_sqlite
from pipeline.storage.base import (
    ItemQuery,
    ItemStore,
    StoreError,
    Stores,
    Tokenizer,
)
from pipeline.storage.sqlite_base import SqliteBase, utc_key
from pipeline.storage.sqlite_cases import SqliteCaseStore, SqliteFindingStore
from pipeline.storage.sqlite_state import SqliteStateStore

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
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[A-Za-z0-9]+")


def bigram_tokenizer(text: str) -> list[str]:
    """Fallback full-text tokens: CJK character bigrams plus latin words, no dictionary."""
    tokens: list[str] = []
    for run in _CJK.findall(text):
        if run.isascii():
            tokens.append(run.lower())
        elif len(run) == 1:
            tokens.append(run)
        else:
            tokens += map(str.__add__, run, run[1:])  # the bigrams, built in C
    return tokens


class SqliteItemStore(SqliteBase, ItemStore):
    def __init__(self, path, conn, lock, tokenizer: Tokenizer | None = None):
        super().__init__(path, conn, lock)
        self.tokenize = tokenizer or bigram_tokenizer

    def _terms(self, text: str) -> list[str]:
        return [t for t in (tok.strip() for tok in self.tokenize(text)) if t and _CJK.search(t)]

    def _body(self, item: ScoredItem) -> str:
        """The full-text row of an item: its tokens, space-joined. Not filtered here: FTS5's
        unicode61 tokenizer drops a token of punctuation or whitespace by itself, and a
        Python filter per token cost as much as the segmentation."""
        return " ".join(self.tokenize(f"{item.title}\n{item.text}"))

    def put_many(self, items: Sequence[ScoredItem], encoded: Sequence[str] | None = None) -> None:
        """One transaction and a few batch statements per call (not four per item). The
        full-text row shares the item's rowid: a replaced item keeps its rowid, so its old
        text is found by key and deleted, never by scanning the index."""
        if encoded is not None and len(encoded) != len(items):
            raise ValueError(f"{len(items)} items but {len(encoded)} encoded documents")
        # the same id twice: the last one wins
        latest = {it.id: (it, encoded[i] if encoded else None) for i, it in enumerate(items)}
        if not latest:
            return
        docs = [
            (it.id, it.profile, utc_key(it.crawled_at), it.published_at, it.source_type,
             int(it.relevant), it.risk, it.event_id, it.jurisdiction.code, it.jurisdiction.name,
             to_json(it.categories).decode(), to_json([d.code for d in it.departments]).decode(),
             doc if doc is not None else it.to_json(), self._body(it))
            for it, doc in latest.values()
        ]  # fmt: skip

        def go():
            self._conn.execute("BEGIN IMMEDIATE")
            ids = list(latest)
            old: dict[str, int] = {}
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                found = self._conn.execute(
                    f"SELECT id, rowid FROM items WHERE id IN ({marks})", chunk
                )
                old.update(found.fetchall())
            self._conn.executemany(
                "DELETE FROM items_text WHERE rowid = ?", [(r,) for r in old.values()]
            )
            top = self._conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM items").fetchone()[0]
            fresh = itertools.count(top + 1)
            rowids = [old[d[0]] if d[0] in old else next(fresh) for d in docs]
            self._conn.executemany(
                "INSERT OR REPLACE INTO items (rowid, id, profile, crawled_at, published_at, "
                "source_type, relevant, risk, event_id, town_code, town_name, categories, "
                "departments, doc) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [(r, *d[:-1]) for r, d in zip(rowids, docs, strict=True)],
            )
            self._conn.executemany(
                "INSERT INTO items_text (rowid, body) VALUES (?, ?)",
                [(r, d[-1]) for r, d in zip(rowids, docs, strict=True)],
            )
            self._conn.execute("COMMIT")

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
