"""Clock refresh with its timeline, and the periodic sweep (tick) over the open cases.

Every clock change is written on the case timeline by the system: started, tightened, met,
breached. The tick also adds the reminders and escalations that are due (alarms.py) and
fills the notification outbox from them before the case is written (notices.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from alerts.clocks import ClockCalculator, ClockChange
from alerts.localtime import display_local, iso_local
from alerts.notices import Outbox
from alerts.status import OPEN_STATUSES
from alerts.workdays import ASSUMED_MARK
from pipeline.models import Case, TimelineEntry
from pipeline.storage.base import CaseStore, ConflictError, wake_key

log = logging.getLogger("yuqing.alert")

SYSTEM = "system"
MAX_ATTEMPTS = 8
PAGE = 500  # cases the tick reads at a time


def save_with_retry(
    store: CaseStore, case_id: str, mutate: Callable[[Case], Case | None], lean: bool = False
) -> Case | None:
    """Read, change and write a case, again from a fresh read whenever another writer won.
    `lean`: read without its evidence ids (CaseStore.get_lean), for a change that only adds.

    Returns the stored case, or None when the case is missing or `mutate` changed nothing."""
    for _ in range(MAX_ATTEMPTS):
        case = store.get_lean(case_id) if lean else store.get(case_id)
        if case is None:
            return None
        changed = mutate(case)
        if changed is None:
            return None
        try:
            return store.update(changed)
        except ConflictError:
            log.debug("case %s changed meanwhile; retrying", case_id)
    raise ConflictError(f"case {case_id}: still conflicting after {MAX_ATTEMPTS} attempts")


class ClockNarrator:
    """Refreshes a case's clocks and writes each change on its timeline."""

    def __init__(self, calculator: ClockCalculator):
        self.calculator = calculator
        self._last: tuple[Case, datetime] | None = None  # the last case refreshed, and when

    def label(self, name: str, rule: str) -> str:
        definition = self.calculator.policy.definition(name, rule)
        return definition.spec.label or name if definition else name

    def refresh(self, case: Case, now: datetime) -> Case:
        if self._last is not None and self._last[0] is case and self._last[1] == now:
            return case  # refreshed just now (a new case, then its write): nothing changes
        update = self.calculator.refresh(case, now)
        entries = [self.entry(change, now) for change in update.changes]
        refreshed = update.case
        if entries:
            refreshed = refreshed.model_copy(update={"timeline": [*refreshed.timeline, *entries]})
        self._last = (refreshed, now)
        return refreshed

    def entry(self, change: ClockChange, now: datetime) -> TimelineEntry:
        clock = change.clock
        label = self.label(clock.name, clock.rule)
        due = display_local(clock.due_at)
        detail: dict[str, object] = {"clock": clock.name, "due_at": clock.due_at}
        if change.after == "breached" and change.before != "breached":
            what = f"时限超期: {label}，应于 {due} 前完成（{clock.rule}）；已记录升级，待通知"
            ladder = self.calculator.policy.option("escalation")
            first_rung = list(ladder[0].to) if ladder else []
            detail |= {"event": "clock_breached", "escalate_to": first_rung}
            if clock.met_at:
                what = f"时限超期: {label}，{display_local(clock.met_at)} 完成，晚于 {due}"
                detail["met_at"] = clock.met_at
        elif change.after == "met" and change.before != "met":
            what = f"时限达成: {label}，{display_local(clock.met_at)} 完成（截止 {due}）"
            detail |= {"event": "clock_met", "met_at": clock.met_at}
        elif change.before is None:
            what = f"启动时限: {label}，截止 {due}（{clock.rule}）"
            detail |= {"event": "clock_started", "rule": clock.rule}
            if ASSUMED_MARK in clock.rule:
                what += "；警告: 节假日数据未覆盖，截止时间按周末推算，请核对并更新节假日文件"
                detail["warning"] = "holiday_data_missing"
        else:
            what = f"时限提前: {label}，截止 {due}（{clock.rule}）"
            detail |= {"event": "clock_tightened", "rule": clock.rule}
        return TimelineEntry(at=iso_local(now), actor=SYSTEM, what=what, detail=detail)


class ClockWatcher:
    """The tick: bring the open cases that are due up to date (`maintain`) and store what
    changed. Only cases whose `next_check_at` has come are read (storage wake_key), a page
    at a time, so cases nobody closes do not make the tick slower or larger."""

    def __init__(
        self,
        store: CaseStore,
        maintain: Callable[[Case, datetime], Case],
        outbox: Outbox | None = None,
        page: int = PAGE,
    ):
        self.store = store
        self.maintain = maintain  # clocks, alerts, watch (resolver.PolicyResolver.maintain)
        self.outbox = outbox
        self.page = page

    def tick(self, now: datetime) -> list[str]:
        """Returns the ids of the cases that changed."""
        changed: list[str] = []
        after: tuple[str, str] | None = None
        while True:
            cases = self.store.list_due(iso_local(now), self.page, after, lean=True)
            for case in cases:
                if self._check(case, now):
                    changed.append(case.case_id)
            if len(cases) < self.page:
                return changed
            after = (wake_key(cases[-1]), cases[-1].case_id)

    def _check(self, case: Case, now: datetime) -> bool:
        if case.status not in OPEN_STATUSES or self.maintain(case, now) == case:
            return False  # nothing due after all: no second read, no write

        def refresh(fresh: Case) -> Case | None:
            updated = self.maintain(fresh, now)
            if updated == fresh:
                return None
            if self.outbox is not None:
                self.outbox.put_case(updated)  # before the case: a crash resends nothing
            return updated

        return save_with_retry(self.store, case.case_id, refresh, lean=True) is not None
