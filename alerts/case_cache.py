"""The alert stage's own copies of the cases it wrote or read: a case is parsed again only
when its stored version moved on (another process changed it), so a large case that gains a
few items per batch is not read and validated whole every time.

Asking for the version is a cheap query (SQLite: one column; Elasticsearch: a real-time GET
of one field). A copy is handed out shallow: the case code never changes a case in place
(every change is `model_copy(update=…)` with new lists), so the cached one stays as stored.
"""

from __future__ import annotations

from collections import OrderedDict

from pipeline.models import Case
from pipeline.storage.base import CaseQuery, CaseStore

KNOWN_CASES = 64  # the cases whose evidence ids are kept as a set (evidence_ids)
MAX_CASES = 256  # the cases kept; the least recently used go first …
MAX_WEIGHT = 200_000  # … and at most this many item ids and timeline entries in all;
LARGE_CASES = 2  # … and, apart, the cases heavier than a quarter of that (viral events)


def _weight(case: Case) -> int:
    return 1 + len(case.items) + len(case.timeline)


# case id → (the `items` list a merge made, the set of its ids)
_KNOWN: OrderedDict[str, tuple[list[str], set[str]]] = OrderedDict()


def evidence_ids(case: Case) -> set[str]:
    """The set of `case.items`, for checking which ids are new: the set made for this very
    list by the last merge (remember_ids) when there is one, so a large case's next batch
    does not build it again. The caller may add to it and remember it for a new list."""
    kept = _KNOWN.pop(case.case_id, None)
    if kept is not None and kept[0] is case.items and len(kept[1]) == len(case.items):
        return kept[1]
    return set(case.items)


def remember_ids(case: Case, ids: set[str]) -> None:
    """`ids` is the set of `case.items` (a new list, never changed in place afterwards)."""
    _KNOWN[case.case_id] = (case.items, ids)
    _KNOWN.move_to_end(case.case_id)
    while len(_KNOWN) > KNOWN_CASES:
        _KNOWN.popitem(last=False)


class CachedCaseStore(CaseStore):
    """A CaseStore that remembers the last version of each case it saw."""

    def __init__(self, store: CaseStore, max_cases: int = MAX_CASES, max_weight: int = MAX_WEIGHT):
        self.store = store
        self.max_cases, self.max_weight = max_cases, max_weight
        self._cases: OrderedDict[str, Case] = OrderedDict()
        self._large: OrderedDict[str, Case] = OrderedDict()  # cases over max_weight / 4
        self._weight = 0
        self.parsed = 0  # cases read in full from the store (for tests and benchmarks)

    def _keep(self, case: Case) -> Case:
        self._drop(case.case_id)
        if _weight(case) > self.max_weight // 4:
            # a viral case (100,000s of ids) would push every other case out, or itself:
            # it gets one of a few slots of its own, outside the weight limit
            self._large[case.case_id] = case
            while len(self._large) > LARGE_CASES:
                self._large.popitem(last=False)
            return case.model_copy()
        self._cases[case.case_id] = case
        self._weight += _weight(case)
        while len(self._cases) > self.max_cases or self._weight > self.max_weight:
            self._drop(next(iter(self._cases)))
        return case.model_copy()

    def _drop(self, case_id: str) -> None:
        self._large.pop(case_id, None)
        gone = self._cases.pop(case_id, None)
        if gone is not None:
            self._weight -= _weight(gone)

    def get(self, case_id: str) -> Case | None:
        kept = self._cases.get(case_id) or self._large.get(case_id)
        if kept is not None:
            version = self.store.version_of(case_id)
            if version == kept.version:
                return self._keep(kept)
            if version is None:
                self._drop(case_id)
                return None
        case = self.store.get(case_id)
        if case is None:
            self._drop(case_id)
            return None
        self.parsed += 1
        return self._keep(case)

    def version_of(self, case_id: str) -> int | None:
        return self.store.version_of(case_id)

    def create(self, case: Case) -> bool:
        if not self.store.create(case):
            return False
        self._keep(case)
        return True

    def update(self, case: Case) -> Case:
        return self._keep(self.store.update(case))

    def list(self, query: CaseQuery | None = None) -> list[Case]:
        return self.store.list(query)

    def list_due(
        self, now: str, limit: int = 500, after: tuple[str, str] | None = None
    ) -> list[Case]:
        return self.store.list_due(now, limit, after)

    def refresh(self) -> None:
        self.store.refresh()

    def find_by_event(self, event_id: str) -> Case | None:
        return self.store.find_by_event(event_id)
