"""Clock refresh with its timeline, and the periodic sweep that marks breaches (tick).

Every clock change is written on the case timeline by the system: started, tightened, met,
breached. A breach records the escalation it calls for; the notifications issue sends the
messages (and records `report_delivered`), reading these entries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from alerts.clocks import ClockCalculator, ClockChange
from alerts.localtime import display_local, iso_local
from alerts.status import OPEN_STATUSES
from pipeline.models import Case, TimelineEntry
from pipeline.storage.base import CaseQuery, CaseStore, ConflictError

log = logging.getLogger("yuqing.alert")

SYSTEM = "system"
MAX_ATTEMPTS = 8
# Who a breach is escalated to, before the notifications issue makes it configurable.
ESCALATE_TO = ("lead_department", "news_office", "leader_in_charge")


def save_with_retry(
    store: CaseStore, case_id: str, mutate: Callable[[Case], Case | None]
) -> Case | None:
    """Read, change and write a case, again from a fresh read whenever another writer won.

    Returns the stored case, or None when the case is missing or `mutate` changed nothing."""
    for _ in range(MAX_ATTEMPTS):
        case = store.get(case_id)
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

    def label(self, name: str, rule: str) -> str:
        definition = self.calculator.policy.definition(name, rule)
        return definition.spec.label or name if definition else name

    def refresh(self, case: Case, now: datetime) -> Case:
        update = self.calculator.refresh(case, now)
        entries = [self.entry(change, now) for change in update.changes]
        if not entries:
            return update.case
        return update.case.model_copy(update={"timeline": [*update.case.timeline, *entries]})

    def entry(self, change: ClockChange, now: datetime) -> TimelineEntry:
        clock = change.clock
        label = self.label(clock.name, clock.rule)
        due = display_local(clock.due_at)
        detail: dict[str, object] = {"clock": clock.name, "due_at": clock.due_at}
        if change.after == "breached" and change.before != "breached":
            what = f"时限超期: {label}，应于 {due} 前完成（{clock.rule}）；已记录升级，待通知"
            detail |= {"event": "clock_breached", "escalate_to": list(ESCALATE_TO)}
            if clock.met_at:
                what = f"时限超期: {label}，{display_local(clock.met_at)} 完成，晚于 {due}"
                detail["met_at"] = clock.met_at
        elif change.after == "met" and change.before != "met":
            what = f"时限达成: {label}，{display_local(clock.met_at)} 完成（截止 {due}）"
            detail |= {"event": "clock_met", "met_at": clock.met_at}
        elif change.before is None:
            what = f"启动时限: {label}，截止 {due}（{clock.rule}）"
            detail |= {"event": "clock_started", "rule": clock.rule}
        else:
            what = f"时限提前: {label}，截止 {due}（{clock.rule}）"
            detail |= {"event": "clock_tightened", "rule": clock.rule}
        return TimelineEntry(at=iso_local(now), actor=SYSTEM, what=what, detail=detail)


class ClockWatcher:
    """The tick: refresh the clocks of every open case and store what changed."""

    def __init__(self, store: CaseStore, narrator_for: Callable[[str], ClockNarrator]):
        self.store = store
        self.narrator_for = narrator_for  # by the case's jurisdiction profile

    def tick(self, now: datetime) -> list[str]:
        """Returns the ids of the cases that changed."""
        changed: list[str] = []
        query = CaseQuery(statuses=OPEN_STATUSES, open_only=True, limit=1_000_000)
        for case in self.store.list(query):
            if case.status not in OPEN_STATUSES:
                continue
            narrator = self.narrator_for(case.profile)

            def refresh(fresh: Case, narrator: ClockNarrator = narrator) -> Case | None:
                refreshed = narrator.refresh(fresh, now)
                return refreshed if refreshed.clocks != fresh.clocks else None

            if save_with_retry(self.store, case.case_id, refresh) is not None:
                changed.append(case.case_id)
        return changed
