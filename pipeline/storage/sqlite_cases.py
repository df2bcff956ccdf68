"""The embedded case and finding stores (SQLite): a case row with its version for
optimistic updates and the wake key the clock tick selects on.

A case's evidence ids live beside its document (table `case_items`, one row per write that
added some), not in it: a case that gains a few items per batch is not rewritten with all of
its ids every time (issue #11: a 50,000-item case is 1.3 MB of JSON). Readers get the whole
`items` list as before; a row written before this (`n_items` NULL) keeps its ids in `doc`.
Each id is also a row of `case_item_index`, so that a writer holding a case lean (without
its ids) asks whether a few ids are on it by an indexed lookup, not by holding them all.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Collection, Sequence
from pathlib import Path

from pipeline.models import Case, Finding
from pipeline.storage.base import (
    NEVER,
    OPEN_STATUSES,
    CaseQuery,
    CaseStore,
    ConflictError,
    FindingStore,
    lean_copy,
    time_key,
    wake_key,
)
from pipeline.storage.sqlite_base import SqliteBase

ITEMS_TABLE = """CREATE TABLE IF NOT EXISTS case_items (case_id TEXT, seq INTEGER, ids TEXT,
    PRIMARY KEY (case_id, seq)) WITHOUT ROWID"""
INDEX_TABLE = """CREATE TABLE case_item_index (case_id TEXT, item_id TEXT,
    PRIMARY KEY (case_id, item_id)) WITHOUT ROWID"""
LOOKUP_CHUNK = 500  # ids per lookup statement (SQLite's bound parameters)


class SqliteCaseStore(SqliteBase, CaseStore):
    """Cases as JSON documents, with the columns the lists filter on and `wake_key`, the
    clock tick's queue (base.wake_key): the tick reads only the cases that are due. The
    evidence ids are appended in `case_items` (and `case_item_index`) when the ids an update
    holds extend the stored ones (or the case is lean), else rewritten; `n_items` and
    `last_item` are there for readers of the table."""

    COLUMNS = (
        "case_id, profile, event_id, status, version, opened_at, departments, doc, wake_key, "
        "n_items, last_item"
    )

    def __init__(self, path: Path, conn: sqlite3.Connection, lock: threading.RLock):
        super().__init__(path, conn, lock)
        self._run(self._migrate)

    def _migrate(self) -> None:
        """Adds `wake_key` to a store made before it (such cases are due at the next tick,
        except the ones no tick looks at), the evidence table with its two columns, and the
        index of the ids, filled from the evidence table when it is new."""
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(cases)")}
        if "wake_key" not in columns:
            marks = ",".join("?" * len(OPEN_STATUSES))
            self._add_column(
                "wake_key TEXT DEFAULT ''",
                f"UPDATE cases SET wake_key = ? WHERE status NOT IN ({marks})",
                (NEVER, *OPEN_STATUSES),
            )
        for column in ("n_items INTEGER", "last_item TEXT"):
            if column.split()[0] not in columns:
                self._add_column(column)
        self._conn.execute("CREATE INDEX IF NOT EXISTS cases_wake ON cases (wake_key, case_id)")
        self._conn.execute(ITEMS_TABLE)
        self._conn.execute("BEGIN IMMEDIATE")  # one process makes and fills the index
        try:
            exists = self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'case_item_index'"
            ).fetchone()
            if not exists:
                self._conn.execute(INDEX_TABLE)
                self._conn.execute(
                    "INSERT OR IGNORE INTO case_item_index SELECT c.case_id, j.value "
                    "FROM case_items c, json_each(c.ids) j"
                )
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise

    def _add_column(self, column: str, then: str = "", params: Sequence[object] = ()) -> None:
        try:
            self._conn.execute(f"ALTER TABLE cases ADD COLUMN {column}")
            if then:
                self._conn.execute(then, params)
        except sqlite3.OperationalError as exc:  # another process added it meanwhile
            if "duplicate column" not in str(exc):
                raise

    def _row(self, case: Case, version: int, last_item: str | None = None) -> tuple:
        depts = [d.code for d in ([case.lead_department] if case.lead_department else [])]
        depts += [d.code for d in case.co_departments]
        doc = case.model_copy(update={"version": version, "items": []}).to_json()
        return (
            case.case_id,
            case.profile,
            case.event_id,
            case.status,
            version,
            case.opened_at,
            json.dumps(depts),
            doc,
            wake_key(case),
            case.n_items,
            case.items[-1] if case.items else last_item,
        )

    # -- reading --------------------------------------------------------------------------
    def _cases(self, sql: str, params: Sequence[object], lean: bool = False) -> list[Case]:
        """The cases of `sql` (selecting case_id, doc, n_items), with their evidence ids
        (`lean`: without), read in one transaction: a document and its ids from the same
        moment."""

        def go() -> list[Case]:
            self._conn.execute("BEGIN")
            try:
                rows = self._conn.execute(sql, params).fetchall()
                ids: dict[str, list[str]] = {}
                wanted = [] if lean else [r[0] for r in rows if r[2]]
                for start in range(0, len(wanted), 500):
                    chunk = wanted[start : start + 500]
                    for case_id, part in self._conn.execute(
                        f"SELECT case_id, ids FROM case_items WHERE case_id IN "
                        f"({','.join('?' * len(chunk))}) ORDER BY case_id, seq",
                        chunk,
                    ):
                        ids.setdefault(case_id, []).extend(json.loads(part))
            finally:
                self._conn.execute("COMMIT")
            out = []
            for case_id, doc, n_items in rows:
                case = Case.from_json(doc)
                if n_items is not None:  # else: written before case_items, ids in the doc
                    if lean:
                        case._items_before = n_items
                    else:
                        case = case.model_copy(update={"items": ids.get(case_id, [])})
                out.append(case)
            return out

        return self._run(go)

    def get(self, case_id: str) -> Case | None:
        found = self._cases("SELECT case_id, doc, n_items FROM cases WHERE case_id = ?", (case_id,))
        return found[0] if found else None

    def get_lean(self, case_id: str) -> Case | None:
        found = self._cases(
            "SELECT case_id, doc, n_items FROM cases WHERE case_id = ?", (case_id,), lean=True
        )
        # a row written before case_items comes whole (its ids are in the document): its
        # next update writes them to case_items
        return found[0] if found else None

    def has_items(self, case_id: str, ids: Collection[str]) -> set[str]:
        wanted = list(dict.fromkeys(ids))

        def go() -> set[str]:
            row = self._conn.execute(
                "SELECT n_items FROM cases WHERE case_id = ?", (case_id,)
            ).fetchone()
            if row is None:
                return set()
            if row[0] is None:  # written before case_items: the ids are in the document
                return super(SqliteCaseStore, self).has_items(case_id, wanted)
            found: set[str] = set()
            for start in range(0, len(wanted), LOOKUP_CHUNK):
                chunk = wanted[start : start + LOOKUP_CHUNK]
                found.update(
                    r[0]
                    for r in self._conn.execute(
                        "SELECT item_id FROM case_item_index WHERE case_id = ? AND item_id "
                        f"IN ({','.join('?' * len(chunk))})",
                        (case_id, *chunk),
                    )
                )
            return found

        return self._run(go)

    def version_of(self, case_id: str) -> int | None:
        rows = self._query("SELECT version FROM cases WHERE case_id = ?", (case_id,))
        return rows[0][0] if rows else None

    # -- writing --------------------------------------------------------------------------
    def _put_items(self, case: Case, stored: int | None, new: bool = False) -> None:
        """Append the ids `case` holds beyond the `stored` ones when they extend them (the
        stored list is their head; a lean case's are all beyond), else write them anew
        (`new`: a case just created, with no rows to delete)."""
        items = case.items
        if case.lean:
            start = case.n_items - len(items)  # == stored: the version check proved it
        else:
            extends = stored is not None and len(items) >= stored
            if extends and stored:
                extends = items[:stored] == self._stored_ids(case.case_id)
            start = stored if extends and stored else 0
            if not extends and not new:
                for table in ("case_items", "case_item_index"):
                    self._conn.execute(f"DELETE FROM {table} WHERE case_id = ?", (case.case_id,))
            items = items[start:]
        if items:
            self._conn.execute(
                "INSERT OR REPLACE INTO case_items VALUES (?,?,?)",
                (case.case_id, start, json.dumps(items, ensure_ascii=False)),
            )
            self._conn.executemany(
                "INSERT OR IGNORE INTO case_item_index VALUES (?,?)",
                [(case.case_id, i) for i in items],
            )

    def _stored_ids(self, case_id: str) -> list[str]:
        ids: list[str] = []
        for (part,) in self._conn.execute(
            "SELECT ids FROM case_items WHERE case_id = ? ORDER BY seq", (case_id,)
        ):
            ids.extend(json.loads(part))
        return ids

    def create(self, case: Case) -> bool:
        def go() -> bool:
            self._conn.execute("BEGIN IMMEDIATE")
            marks = ",".join("?" * 11)
            cur = self._conn.execute(
                f"INSERT OR IGNORE INTO cases ({self.COLUMNS}) VALUES ({marks})",
                self._row(case, case.version),
            )
            if cur.rowcount == 1:
                self._put_items(case, None, new=True)
            self._conn.execute("COMMIT")
            return cur.rowcount == 1

        if case.lean:
            raise ValueError(f"case {case.case_id}: a new case is created whole, not lean")
        return self._run(go)

    def update(self, case: Case) -> Case:
        new_version = case.version + 1

        def go() -> bool:
            self._conn.execute("BEGIN IMMEDIATE")
            found = self._conn.execute(
                "SELECT n_items, last_item FROM cases WHERE case_id = ? AND version = ?",
                (case.case_id, case.version),
            ).fetchone()
            if found is None or (case.lean and found[0] != case.n_items - len(case.items)):
                self._conn.execute("ROLLBACK")
                return False
            row = self._row(case, new_version, found[1] if case.lean else None)
            self._conn.execute(
                "UPDATE cases SET profile=?, event_id=?, status=?, version=?, opened_at=?, "
                "departments=?, doc=?, wake_key=?, n_items=?, last_item=? WHERE case_id=?",
                (*row[1:], case.case_id),
            )
            self._put_items(case, found[0])
            self._conn.execute("COMMIT")
            return True

        if not self._run(go):
            raise ConflictError(f"case {case.case_id}: changed since version {case.version}")
        saved = case.model_copy(update={"version": new_version})
        return lean_copy(saved) if case.lean else saved

    def list_due(
        self, now: str, limit: int = 500, after: tuple[str, str] | None = None, lean: bool = False
    ) -> list[Case]:
        key, case_id = after or ("", "")
        marks = ",".join("?" * len(OPEN_STATUSES))
        return self._cases(
            f"SELECT case_id, doc, n_items FROM cases WHERE wake_key <= ? "
            f"AND (wake_key, case_id) > (?, ?) "
            f"AND status IN ({marks}) ORDER BY wake_key, case_id LIMIT ?",
            (time_key(now), key, case_id, *OPEN_STATUSES, limit),
            lean,
        )

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
        return self._cases(
            f"SELECT case_id, doc, n_items FROM cases WHERE {' AND '.join(clauses)} "
            "ORDER BY opened_at DESC, case_id LIMIT ?",
            [*params, q.limit],
        )


class SqliteFindingStore(SqliteBase, FindingStore):
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
