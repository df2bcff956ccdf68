"""The embedded case and finding stores (SQLite): a case row with its version for
optimistic updates and the wake key the clock tick selects on."""

from __future__ import annotations

import json
import sqlite3
import threading
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


class SqliteCaseStore(SqliteBase, CaseStore):
    """Cases as JSON documents, with the columns the lists filter on and `wake_key`, the
    clock tick's queue (base.wake_key): the tick reads only the cases that are due."""

    COLUMNS = "case_id, profile, event_id, status, version, opened_at, departments, doc, wake_key"

    def __init__(self, path: Path, conn: sqlite3.Connection, lock: threading.RLock):
        super().__init__(path, conn, lock)
        self._run(self._migrate)

    def _migrate(self) -> None:
        """Adds `wake_key` to a store made before it: such cases are due at the next tick,
        except the ones no tick looks at."""
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(cases)")}
        if "wake_key" not in columns:
            try:
                self._conn.execute("ALTER TABLE cases ADD COLUMN wake_key TEXT DEFAULT ''")
                marks = ",".join("?" * len(OPEN_STATUSES))
                self._conn.execute(
                    f"UPDATE cases SET wake_key = ? WHERE status NOT IN ({marks})",
                    (NEVER, *OPEN_STATUSES),
                )
            except sqlite3.OperationalError as exc:  # another process added it meanwhile
                if "duplicate column" not in str(exc):
                    raise
        self._conn.execute("CREATE INDEX IF NOT EXISTS cases_wake ON cases (wake_key, case_id)")

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
            wake_key(case),
        )

    def get(self, case_id: str) -> Case | None:
        rows = self._query("SELECT doc FROM cases WHERE case_id = ?", (case_id,))
        return Case.from_json(rows[0][0]) if rows else None

    def version_of(self, case_id: str) -> int | None:
        rows = self._query("SELECT version FROM cases WHERE case_id = ?", (case_id,))
        return rows[0][0] if rows else None

    def create(self, case: Case) -> bool:
        def go():
            cur = self._conn.execute(
                f"INSERT OR IGNORE INTO cases ({self.COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)",
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
                "departments=?, doc=?, wake_key=? WHERE case_id=? AND version=?",
                (*row[1:], case.case_id, case.version),
            )
            return cur.rowcount

        if self._run(go) != 1:
            raise ConflictError(f"case {case.case_id}: changed since version {case.version}")
        return case.model_copy(update={"version": new_version})

    def list_due(
        self, now: str, limit: int = 500, after: tuple[str, str] | None = None
    ) -> list[Case]:
        key, case_id = after or ("", "")
        marks = ",".join("?" * len(OPEN_STATUSES))
        rows = self._query(
            f"SELECT doc FROM cases WHERE wake_key <= ? AND (wake_key, case_id) > (?, ?) "
            f"AND status IN ({marks}) ORDER BY wake_key, case_id LIMIT ?",
            (time_key(now), key, case_id, *OPEN_STATUSES, limit),
        )
        return [Case.from_json(r[0]) for r in rows]

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
