"""The alert stage's own copies of the cases it wrote or read, kept lean (without their
evidence ids, `CaseStore.get_lean`): a case is parsed again only when its stored version
moved on (another process changed it), and a viral case's 100,000s of ids are never held in
this process (issue #11): new ids are appended to the store, and whether an id is already on
the case is asked of the store (`has_items`), an indexed lookup of the batch's ids.

Asking for the version is a cheap query (SQLite: one column; Elasticsearch: a real-time GET
of one field). A copy is handed out shallow: the case code never changes a case in place
(every change is `model_copy(update=…)` with new lists), so the cached one stays as stored.
`get` reads a case whole, uncached: for the few callers that need every id (a case merged
away hands them all to its target).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection

from pipeline.models import Case
from pipeline.storage.base import CaseQuery, CaseStore, lean_copy

MAX_CASES = 256  # the cases kept; the least recently used go first …
MAX_WEIGHT = 50_000  # … and at most this many timeline entries in all


def _weight(case: Case) -> int:
    return 1 + len(case.items) + len(case.timeline)


class CachedCaseStore(CaseStore):
    """A CaseStore that remembers the last version of each case it saw, lean."""

    def __init__(self, store: CaseStore, max_cases: int = MAX_CASES, max_weight: int = MAX_WEIGHT):
        self.store = store
        self.max_cases, self.max_weight = max_cases, max_weight
        self._cases: OrderedDict[str, Case] = OrderedDict()
        self._weight = 0
        self.parsed = 0  # cases read from the store (for tests and benchmarks)

    def _keep(self, case: Case) -> Case:
        """Remember `case` (lean) and hand out a copy of it."""
        self._drop(case.case_id)
        if case.items:
            case = lean_copy(case)  # a copy already: what the caller holds stays its own
        self._cases[case.case_id] = case
        self._weight += _weight(case)
        while self._cases and (len(self._cases) > self.max_cases or self._weight > self.max_weight):
            self._drop(next(iter(self._cases)))
        return case.model_copy()

    def _drop(self, case_id: str) -> None:
        gone = self._cases.pop(case_id, None)
        if gone is not None:
            self._weight -= _weight(gone)

    def get(self, case_id: str) -> Case | None:
        return self.store.get(case_id)

    def get_lean(self, case_id: str) -> Case | None:
        kept = self._cases.get(case_id)
        if kept is not None:
            version = self.store.version_of(case_id)
            if version == kept.version:
                self._cases.move_to_end(case_id)
                return kept.model_copy()
            if version is None:
                self._drop(case_id)
                return None
        case = self.store.get_lean(case_id)
        if case is None:
            self._drop(case_id)
            return None
        self.parsed += 1
        return self._keep(case)

    def has_items(self, case_id: str, ids: Collection[str]) -> set[str]:
        return self.store.has_items(case_id, ids)

    def version_of(self, case_id: str) -> int | None:
        return self.store.version_of(case_id)

    def create(self, case: Case) -> bool:
        if not self.store.create(case):
            return False
        self._keep(case)
        return True

    def update(self, case: Case) -> Case:
        saved = self.store.update(case)
        self._keep(saved)
        return saved

    def list(self, query: CaseQuery | None = None) -> list[Case]:
        return self.store.list(query)

    def list_due(
        self, now: str, limit: int = 500, after: tuple[str, str] | None = None, lean: bool = False
    ) -> list[Case]:
        return self.store.list_due(now, limit, after, lean)

    def refresh(self) -> None:
        self.store.refresh()

    def find_by_event(self, event_id: str) -> Case | None:
        return self.store.find_by_event(event_id)
