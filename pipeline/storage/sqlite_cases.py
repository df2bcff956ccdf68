"""The embedded case and finding stores (SQLite): a case row with its version for
optimistic updates and the wake key the clock tick selects on.

A case's evidence ids live beside its document (table `case_items`, one row per write that
added some), not in it: a case that gains a few items per batch is not rewritten with all of
its ids every time (issue #11: a 50,000-item case is 1.3 MB of JSON). Readers get the whole
`items` list as before; a row written before this (`n_items` NULL) keeps its ids in `doc`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from pipeline.models import Case, Finding
from pipeline.storage.base import (
    NEVER,
    OPEN_STATUSES,
    CaseQuery,
    CaseStore,
    ConflictError,
    FindingStore,
    time_key,
    wake_key,
)
from pipeline.storage.sqlite_base import SqliteBase

REMEMBERED_CASES = 16  # the cases whose stored ids this process keeps (the ones it updates)
ITEMS_TABLE = """CREATE TABLE IF NOT EXISTS case_items (case_id TEXT, seq INTEGER, ids TEXT,
    PRIMARY KEY (case_id, seq)) WITHOUT ROWID"""


class SqliteCaseStore(SqliteBase, CaseStore):
    """Cases as JSON documents, with the columns the lists filter on and `wake_key`, the
    clock tick's queue (base.wake_key): the tick reads only the cases that are due. The
    evidence ids are appended in `case_items` when the ids an update holds extend the stored
    ones (the stored list is their head), else rewritten; `n_items` and `last_item` are
    there for readers of the table."""

    COLUMNS = (
        "case_id, profile, event_id, status, version, opened_at, departments, doc, wake_key, "
        "n_items, last_item"
    )

    def __init__(self, path: Path, conn: sqlite3.Connection, lock: threading.RLock):
        super().__init__(path, conn, lock)
        self._ids: OrderedDict[tuple[str, int], list[str]] = OrderedDict()
        self._run(self._migrate)

    def _migrate(self) -> None:
        """Adds `wake_key` to a store made before it (such cases are due at the next tick,
        except the ones no tick looks at), and the evidence table with its two columns."""
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

    def _add_column(self, column: str, then: str = "", params: Sequence[object] = ()) -> None:
        try:
            self._conn.execute(f"ALTER TABLE cases ADD COLUMN {column}")
            if then:
                self._conn.execute(then, params)
        except sqlite3.OperationalError as exc:  # another process added it meanwhile
            if "duplicate column" not in str(exc):
                raise

    def _row(self, case: Case, version: int) -> tuple:
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
            len(case.items),
            case.items[-1] if case.items else None,
        )

    # -- reading --------------------------------------------------------------------------
    def _cases(self, sql: str, params: Sequence[object]) -> list[Case]:
        """The cases of `sql` (selecting case_id, doc, n_items), with their evidence ids,
        read in one transaction: a document and its ids from the same moment."""

        def go() -> list[Case]:
            self._conn.execute("BEGIN")
            try:
                rows = self._conn.execute(sql, params).fetchall()
                ids: dict[str, list[str]] = {}
                wanted = [r[0] for r in rows if r[2]]
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
                    case = case.model_copy(update={"items": ids.get(case_id, [])})
                    if len(rows) == 1:  # a case read to be updated, most likely
                        self._remember(case_id, case.version, case.items)
                out.append(case)
            return out

        return self._run(go)

    def get(self, case_id: str) -> Case | None:
        found = self._cases("SELECT case_id, doc, n_items FROM cases WHERE case_id = ?", (case_id,))
        return found[0] if found else None

    def version_of(self, case_id: str) -> int | None:
        rows = self._query("SELECT version FROM cases WHERE case_id = ?", (case_id,))
        return rows[0][0] if rows else None

    # -- writing --------------------------------------------------------------------------
    def _put_items(self, case: Case, stored: int | None) -> None:
        """Append the ids `case` holds beyond the `stored` ones when they extend them (the
        stored list is their head), else write them anew. The stored version's ids are
        known when this process read or wrote that version (no read), else read here."""
        items = case.items
        extends = stored is not None and len(items) >= stored
        if extends and stored:
            old = self._ids.get((case.case_id, case.version))
            if old is None or len(old) != stored:
                old = self._stored_ids(case.case_id)
            extends = items[:stored] == old
        if not extends:
            self._conn.execute("DELETE FROM case_items WHERE case_id = ?", (case.case_id,))
            stored = 0
        if len(items) > (stored or 0):
            self._conn.execute(
                "INSERT OR REPLACE INTO case_items VALUES (?,?,?)",
                (case.case_id, stored, json.dumps(items[stored:], ensure_ascii=False)),
            )

    def _stored_ids(self, case_id: str) -> list[str]:
        ids: list[str] = []
        for (part,) in self._conn.execute(
            "SELECT ids FROM case_items WHERE case_id = ? ORDER BY seq", (case_id,)
        ):
            ids.extend(json.loads(part))
        return ids

    def _remember(self, case_id: str, version: int, items: list[str]) -> None:
        """The ids of a version this process read or wrote (a copy: callers may change
        theirs), so that the next update of that version appends without reading them."""
        self._ids.pop((case_id, version - 1), None)
        self._ids[(case_id, version)] = list(items)
        self._ids.move_to_end((case_id, version))
        while len(self._ids) > REMEMBERED_CASES:
            self._ids.popitem(last=False)

    def create(self, case: Case) -> bool:
        def go() -> bool:
            self._conn.execute("BEGIN IMMEDIATE")
            marks = ",".join("?" * 11)
            cur = self._conn.execute(
                f"INSERT OR IGNORE INTO cases ({self.COLUMNS}) VALUES ({marks})",
                self._row(case, case.version),
            )
            if cur.rowcount == 1:
                self._put_items(case, None)
            self._conn.execute("COMMIT")
            if cur.rowcount == 1:
                self._remember(case.case_id, case.version, case.items)
            return cur.rowcount == 1

        return self._run(go)

    def update(self, case: Case) -> Case:
        new_version = case.version + 1
        row = self._row(case, new_version)

        def go() -> bool:
            self._conn.execute("BEGIN IMMEDIATE")
            found = self._conn.execute(
                "SELECT n_items FROM cases WHERE case_id = ? AND version = ?",
                (case.case_id, case.version),
            ).fetchone()
            if found is None:
                self._conn.execute("ROLLBACK")
                return False
            self._conn.execute(
                "UPDATE cases SET profile=?, event_id=?, status=?, version=?, opened_at=?, "
                "departments=?, doc=?, wake_key=?, n_items=?, last_item=? WHERE case_id=?",
                (*row[1:], case.case_id),
            )
            self._put_items(case, found[0])
            self._conn.execute("COMMIT")
            self._remember(case.case_id, new_version, case.items)
            return True

        if not self._run(go):
            raise ConflictError(f"case {case.case_id}: changed since version {case.version}")
        return case.model_copy(update={"version": new_version})

    def list_due(
        self, now: str, limit: int = 500, after: tuple[str, str] | None = None
    ) -> list[Case]:
        key, case_id = after or ("", "")
        marks = ",".join("?" * len(OPEN_STATUSES))
        return self._cases(
            f"SELECT case_id, doc, n_items FROM cases WHERE wake_key <= ? "
            f"AND (wake_key, case_id) > (?, ?) "
            f"AND status IN ({marks}) ORDER BY wake_key, case_id LIMIT ?",
            (time_key(now), key, case_id, *OPEN_STATUSES, limit),
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
