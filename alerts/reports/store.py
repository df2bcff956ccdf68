"""Report records in the state store, safe against two writers (the CLI and the dashboard, or
two leaders clicking at once).

Every version of a record is first claimed in an append-only log (`report-log`, key
`ID/000003`) with put_if_absent, which is atomic across processes: of two writers starting
from the same version only one gets the next, the other re-reads and re-checks. The latest
version is then copied to `reports/ID` for listing; a reader rolls forward over any newer
logged version, so a crash between the two writes loses nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from alerts.reports.records import ReportRecord
from pipeline.storage.base import StateStore

NAMESPACE = "reports"
LOG = "report-log"
MAX_ATTEMPTS = 8


class ReportConflict(Exception):
    """Another writer stored the next version first."""


class ReportMissing(KeyError):
    """No report with that id."""


def _log_key(report_id: str, version: int) -> str:
    return f"{report_id}/{version:06d}"


class ReportBook:
    """Create, read, list and change report records over a StateStore."""

    def __init__(self, state: StateStore):
        self.state = state

    def _claim(self, record: ReportRecord) -> ReportRecord:
        claimed = record.model_copy(update={"claim": secrets.token_hex(8)})
        data = claimed.model_dump()
        stored = self.state.put_if_absent(LOG, _log_key(record.report_id, record.version), data)
        if stored.get("claim") != claimed.claim:
            raise ReportConflict(record.report_id)
        self.state.put(NAMESPACE, record.report_id, data)
        return claimed

    def create(self, record: ReportRecord) -> ReportRecord:
        """Store a new record (version 1); ReportConflict when the id is taken."""
        return self._claim(record.model_copy(update={"version": 1}))

    def find(self, report_id: str) -> ReportRecord | None:
        data = self.state.get(NAMESPACE, report_id) or self.state.get(LOG, _log_key(report_id, 1))
        if data is None:
            return None
        while True:  # roll forward over versions logged but not yet copied
            newer = self.state.get(LOG, _log_key(report_id, int(data["version"]) + 1))
            if newer is None:
                return ReportRecord.model_validate(data)
            data = newer

    def get(self, report_id: str) -> ReportRecord:
        record = self.find(report_id)
        if record is None:
            raise ReportMissing(report_id)
        return record

    def list(self) -> list[ReportRecord]:
        """Every report, newest draft first."""
        found = [self.find(key) for key, _ in self.state.scan(NAMESPACE)]
        records = [r for r in found if r is not None]
        return sorted(records, key=lambda r: (r.drafted_at, r.report_id), reverse=True)

    def update(
        self, report_id: str, change: Callable[[ReportRecord], ReportRecord]
    ) -> ReportRecord:
        """Apply `change` to the latest version and store the result as the next version;
        on a conflict, again from a fresh read (so `change` re-checks the status)."""
        for _ in range(MAX_ATTEMPTS):
            current = self.get(report_id)
            changed = change(current)
            try:
                return self._claim(changed.model_copy(update={"version": current.version + 1}))
            except ReportConflict:
                continue
        raise ReportConflict(report_id)
