"""What every workflow step is given, and the checks steps share (departments, towns, order).

A step is a pure function (case, StepContext, …) → case that raises WorkflowError naming the
case and the step; casework.py loads, refreshes the clocks and saves around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from alerts.localtime import iso_local
from alerts.status import STATUS_LABELS, WorkflowError
from pipeline.models import Case, CaseStatus, DepartmentRef, Jurisdiction, TimelineEntry
from pipeline.profile import JurisdictionProfile

CLOSED_STATUSES: tuple[CaseStatus, ...] = ("closed", "dismissed")


@dataclass(frozen=True)
class StepContext:
    actor: str
    now: datetime
    directory: JurisdictionProfile | None = None  # the case's jurisdiction profile

    @property
    def at(self) -> str:
        return iso_local(self.now)


def fail(case: Case, step: str, message_zh: str, code: str = "refused") -> WorkflowError:
    """The refusal of `step` on `case`: why in Chinese, and its stable `code`."""
    return WorkflowError(case.case_id, step, message_zh, code)


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def require_open(case: Case, step: str) -> None:
    if case.status in CLOSED_STATUSES:
        raise fail(case, step, f"案件{status_label(case.status)}，不能再办理", "case_closed")


def require_status(case: Case, step: str, allowed: tuple[CaseStatus, ...]) -> None:
    require_open(case, step)
    if case.status not in allowed:
        wanted = "、".join(status_label(s) for s in allowed)
        raise fail(
            case,
            step,
            f"案件当前状态为「{status_label(case.status)}」，不能执行这一步（须为: {wanted}）",
            "wrong_status",
        )


def department(
    case: Case, step: str, ctx: StepContext, code_or_name: str, role: str, why: str
) -> DepartmentRef:
    """A department of the jurisdiction profile by code, name or alias; unknown → error."""
    if ctx.directory is None:
        raise fail(case, step, f"没有辖区档案「{case.profile}」，无法核对部门", "no_profile")
    try:
        found = ctx.directory.department(code_or_name.strip())
    except KeyError:
        why = f"未知部门「{code_or_name}」，请从本县部门名录中选择"
        raise fail(case, step, why, "unknown_department") from None
    return DepartmentRef(code=found.code, name=found.name, role=role, why=why)  # type: ignore[arg-type]


def town(case: Case, step: str, ctx: StepContext, code_or_name: str) -> Jurisdiction:
    if ctx.directory is None:
        raise fail(case, step, f"没有辖区档案「{case.profile}」，无法核对乡镇", "no_profile")
    try:
        found = ctx.directory.town(code_or_name.strip())
    except KeyError:
        raise fail(case, step, f"未知乡镇「{code_or_name}」", "unknown_town") from None
    return Jurisdiction(name=found.name, code=found.code, level="town")


def entry(ctx: StepContext, what: str, event: str, **detail: Any) -> TimelineEntry:
    return TimelineEntry(at=ctx.at, actor=ctx.actor, what=what, detail={"event": event, **detail})


def append(case: Case, *entries: TimelineEntry, **update: Any) -> Case:
    return case.model_copy(update={**update, "timeline": [*case.timeline, *entries]})


RUNNING_LOOKBACK = 50  # entries searched back for the day's running entry


def take_running(
    timeline: list[TimelineEntry], day: str, event: str, flag: str
) -> TimelineEntry | None:
    """The day's running `event` entry (its detail has `flag`) among the last entries of
    `timeline` (a copy), taken out of it: the batch folds it into a new entry that goes last,
    so a case growing all day gains one entry a day, not one per batch (issue #11)."""
    for back in range(1, min(len(timeline), RUNNING_LOOKBACK) + 1):
        old = timeline[-back]
        if old.at[:10] != day:  # local date: times are written in Asia/Shanghai
            return None
        if old.detail.get("event") == event and old.detail.get(flag):
            del timeline[-back]
            return old
    return None


def happened(case: Case, event: str) -> bool:
    return any(e.detail.get("event") == event for e in case.timeline)


def departments_text(case: Case) -> str:
    lead = case.lead_department.name if case.lead_department else "—"
    co = "、".join(d.name for d in case.co_departments)
    return lead + (f"（配合: {co}）" if co else "")


def snapshot(case: Case) -> dict[str, Any]:
    """What 研判 may change, as a label's before/after."""
    return {
        "categories": list(case.categories),
        "lead_department": case.lead_department.code if case.lead_department else None,
        "co_departments": [d.code for d in case.co_departments],
        "jurisdiction": case.jurisdiction.model_dump(),
    }
