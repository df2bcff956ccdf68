"""The clock tick reads only the cases whose next check has come (`next_check_at`, the
store's wake key), a page at a time: open cases nobody closes do not make it slower."""

from __future__ import annotations

from datetime import datetime, timedelta

from alerts.escalation import ClockWatcher
from pipeline.models import Case, parse_time
from pipeline.storage.base import CaseQuery, CaseStore
from tests.alerts.conftest import Workspace
from tests.factories import make_case, make_scored


class CountingStore(CaseStore):
    """The real store, counting the cases the tick reads."""

    def __init__(self, store: CaseStore):
        self.store = store
        self.listed = 0

    def get(self, case_id: str) -> Case | None:
        return self.store.get(case_id)

    def create(self, case: Case) -> bool:
        return self.store.create(case)

    def update(self, case: Case) -> Case:
        return self.store.update(case)

    def list(self, query: CaseQuery | None = None) -> list[Case]:
        raise AssertionError("the tick must not list every open case")

    def list_due(self, now: str, limit: int = 500, after=None, lean: bool = False) -> list[Case]:
        found = self.store.list_due(now, limit, after, lean)
        self.listed += len(found)
        return found


def tick(ws: Workspace, now: datetime, page: int = 500) -> tuple[int, int]:
    """(cases read, cases changed) by one tick at `now`."""
    store = CountingStore(ws.stores.cases)
    changed = ClockWatcher(store, ws.resolver.maintain, ws.outbox, page=page).tick(now)
    return store.listed, len(changed)


def open_cases(ws: Workspace, n: int) -> list[str]:
    result = ws.feed(*(make_scored(i, event_id=f"evt-{i}") for i in range(n)))
    assert len(result.opened) == n
    return result.opened


def test_a_tick_reads_only_the_cases_that_are_due(ws: Workspace) -> None:
    ids = open_cases(ws, 30)
    case = ws.case(ids[0])
    assert case.next_check_at  # the 50 % reminder of the 48 h response clock
    clock = case.clocks[0]
    half = (
        parse_time(clock.started_at) + (parse_time(clock.due_at) - parse_time(clock.started_at)) / 2
    )
    assert parse_time(case.next_check_at) == half

    assert tick(ws, ws.clock()) == (0, 0)  # nothing due yet: nothing read
    ws.clock.advance(hours=1)
    assert tick(ws, ws.clock()) == (0, 0)
    assert tick(ws, half - timedelta(seconds=1)) == (0, 0)
    assert tick(ws, half) == (1, 1)  # the first case's reminder is due
    # the others (opened a minute apart), in pages
    assert tick(ws, half + timedelta(hours=1), page=7) == (29, 29)
    assert tick(ws, half + timedelta(hours=1, seconds=1)) == (0, 0)  # done: not read again
    reminded = ws.case(ids[0])
    assert any(e.detail.get("event") == "reminder" for e in reminded.timeline)
    assert parse_time(reminded.next_check_at) > half


def test_cases_nobody_closes_leave_the_tick_once_nothing_is_pending(ws: Workspace) -> None:
    ids = open_cases(ws, 5)
    later = ws.clock() + timedelta(days=60)  # breached long ago, every rung due at once
    assert tick(ws, later) == (5, 5)
    case = ws.case(ids[0])
    assert case.status == "new" and case.clocks[0].state == "breached"
    assert any(e.detail.get("event") == "escalation" for e in case.timeline)
    assert case.next_check_at == ""  # nothing can change by itself any more
    for days in (61, 90, 365):
        assert tick(ws, ws.clock() + timedelta(days=days)) == (0, 0)


def test_a_case_written_without_a_next_check_is_looked_at_once(ws: Workspace) -> None:
    """Cases stored before `next_check_at` existed (or by a tool that skips `maintain`) are
    due at the next tick, which computes it; a closed one is never read."""
    ws.stores.cases.create(make_case(1))
    ws.stores.cases.create(make_case(2, status="closed"))
    now = ws.clock()
    assert tick(ws, now) == (1, 1)
    assert ws.case("case-1").next_check_at
    assert tick(ws, now + timedelta(seconds=1)) == (0, 0)
