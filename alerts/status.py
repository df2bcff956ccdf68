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
    # new → acknowledged only when the profile assigned the case at once (workflow.py checks)
    "new": frozenset({"confirmed", "acknowledged", "dismissed"}),
    "confirmed": frozenset({"acknowledged", "dismissed"}),
    # → confirmed: reassigned, the new department has to sign for it again
    "acknowledged": frozenset({"verifying", "responded", "confirmed", "dismissed"}),
    "verifying": frozenset({"responded", "confirmed", "dismissed"}),
    "responded": frozenset({"closed"}),
    "closed": frozenset({"watching", "acknowledged"}),  # a recurrence goes back to the dept
    "watching": frozenset({"closed", "acknowledged"}),
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


class WorkflowError(ValueError):
    """A workflow step that cannot be done: `code` says which refusal (stable, for scripts),
    `message_zh` why, in Chinese for people (the CLI and the dashboard print it as it is);
    str() names the case and the step too."""

    def __init__(self, case_id: str, step: str, message_zh: str, code: str = "refused"):
        super().__init__(f"case {case_id}: {step}: {message_zh}")
        self.case_id, self.step, self.code = case_id, step, code
        self.message_zh = self.reason = message_zh


class InvalidTransition(WorkflowError):
    """A status change the workflow does not allow."""


def can_transition(current: CaseStatus, target: CaseStatus) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def transition(
    case: Case,
    target: CaseStatus,
    actor: str,
    now: datetime,
    reason: str = "",
    step: str = "",
    detail: dict[str, object] | None = None,
) -> Case:
    """A copy of `case` in status `target`, with a timeline entry (its detail extended by
    `detail`, whose "event" may name the workflow event); raises InvalidTransition."""
    if not can_transition(case.status, target):
        allowed = "、".join(STATUS_LABELS[s] for s in sorted(TRANSITIONS.get(case.status, ())))
        raise InvalidTransition(
            case.case_id,
            step or target,
            f"案件当前状态为「{STATUS_LABELS[case.status]}」，不能转为「{STATUS_LABELS[target]}」"
            f"（可转为: {allowed or '无'}）",
            "invalid_transition",
        )
    if target == "dismissed" and not reason.strip():
        raise InvalidTransition(
            case.case_id, step or "dismiss", "排除须填写理由", "reason_required"
        )
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
        detail={"event": f"status_{target}", "from": case.status, "to": target, **(detail or {})},
    )
    update["timeline"] = [*case.timeline, entry]
    return case.model_copy(update=update)
