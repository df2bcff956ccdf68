"""The case workflow as an explicit state machine: which status may follow which.

contracts.md: new → confirmed (研判) → acknowledged → verifying → responded → closed, then
watching (防范反复); dismissed for a false alarm, with a reason. The later workflow issue adds
actions on top of `transition`; the table below is the one place to change the flow.
"""

from __future__ import annotations

from datetime import datetime

from alerts.localtime import iso_local
from pipeline.models import Case, CaseStatus, TimelineEntry

TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    "new": frozenset({"confirmed", "dismissed"}),
    "confirmed": frozenset({"acknowledged", "dismissed"}),
    "acknowledged": frozenset({"verifying", "responded", "dismissed"}),
    "verifying": frozenset({"responded", "dismissed"}),
    "responded": frozenset({"closed"}),
    "closed": frozenset({"watching"}),
    "watching": frozenset({"closed", "acknowledged"}),  # a recurrence goes back to the dept
    "dismissed": frozenset({"new"}),  # reopened: the false alarm was not one
}
# Cases whose clocks still run (tick looks at these).
OPEN_STATUSES: tuple[CaseStatus, ...] = (
    "new",
    "confirmed",
    "acknowledged",
    "verifying",
    "responded",
    "watching",
)
STATUS_LABELS: dict[str, str] = {
    "new": "待研判",
    "confirmed": "已研判",
    "acknowledged": "已签收",
    "verifying": "核实中",
    "responded": "已回应",
    "closed": "已办结",
    "watching": "持续关注",
    "dismissed": "已排除",
}


class InvalidTransition(ValueError):
    """A status change the workflow does not allow."""


def can_transition(current: CaseStatus, target: CaseStatus) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def transition(case: Case, target: CaseStatus, actor: str, now: datetime, reason: str = "") -> Case:
    """A copy of `case` in status `target`, with a timeline entry; raises InvalidTransition."""
    if not can_transition(case.status, target):
        allowed = "、".join(STATUS_LABELS[s] for s in sorted(TRANSITIONS.get(case.status, ())))
        raise InvalidTransition(
            f"case {case.case_id}: cannot go from {case.status} to {target} "
            f"(allowed: {allowed or 'none'})"
        )
    if target == "dismissed" and not reason.strip():
        raise InvalidTransition(f"case {case.case_id}: dismissing needs a reason")
    at = iso_local(now)
    update: dict[str, object] = {"status": target}
    if target == "confirmed" and case.confirmed_at is None:
        update["confirmed_at"] = at
    if target == "dismissed":
        update["dismissed_reason"] = reason
    what = f"状态: {STATUS_LABELS[case.status]} → {STATUS_LABELS[target]}"
    entry = TimelineEntry(
        at=at,
        actor=actor,
        what=what + (f"（{reason}）" if reason else ""),
        detail={"event": f"status_{target}", "from": case.status, "to": target},
    )
    update["timeline"] = [*case.timeline, entry]
    return case.model_copy(update=update)
