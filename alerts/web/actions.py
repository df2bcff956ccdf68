"""Workflow steps from the dashboard: a form or JSON body → the alerts workflow function, run
on the case desk as the logged-in user (so each lands on the timeline with them as actor).

The same dispatcher serves the case page's forms and `POST /api/cases/{id}/steps/{step}`;
the role check (access.py) comes first, the workflow's own rules after.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from alerts import special_steps, workflow
from alerts.casework import CaseDesk, Step
from alerts.responses import respond, review
from alerts.web import form_checks as check
from alerts.web.access import can_see, may_take, review_levels
from alerts.web.meeting import convene
from alerts.web.messages import STEP_LABELS, FormError
from alerts.web.users import User
from pipeline.models import Case

__all__ = ["STEP_LABELS", "StepDenied", "build_step", "run_step"]


class StepDenied(Exception):
    """The user's role does not allow this step on this case."""


_text, _list = check.text, check.many


def _flag(params: Mapping[str, Any], key: str) -> bool:
    value = params.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    return value in (True, 1, "1", "true", "yes", "on", "pass")


def build_step(
    step: str, params: Mapping[str, Any], user: User, case: Case, desk: CaseDesk
) -> Step:
    """The pure workflow function for `step` with the submitted fields bound."""
    if step == "confirm":
        co = _list(params, "co")
        return partial(
            workflow.confirm,
            categories=_list(params, "categories"),
            lead=_text(params, "lead") or None,
            co=[] if _flag(params, "no_co") else co,
            town_name=_text(params, "town") or None,
            note=_text(params, "note"),
        )
    if step == "dismiss":
        return partial(workflow.dismiss, reason=_text(params, "reason"))
    if step == "assign":
        return _assign(params, user, case, desk)
    if step in ("convene", "meeting"):
        return _meeting(step, params, case, desk)
    if step == "ack":
        return partial(workflow.acknowledge, note=_text(params, "note"))
    if step == "verify":
        return partial(
            workflow.verify, confirmed=_flag(params, "confirmed"), note=_text(params, "note")
        )
    if step == "respond":
        own = user.department if user.role == "officer" else ""
        return partial(
            respond,
            kind=_text(params, "kind", "statement"),
            text=_text(params, "text"),
            url=_text(params, "url"),
            department=own or "",
        )
    if step == "review":
        return _review(params, user, case)
    if step == "report":
        return partial(
            workflow.report,
            to=_text(params, "to"),
            result=_flag(params, "result"),
            note=_text(params, "note"),
        )
    if step == "handover":
        to = check.required(case.case_id, step, _text(params, "to"), "移交对象")
        at = check.local_time_input(
            case.case_id, step, _text(params, "at"), "移交时间", desk.clock(), past_only=True
        )
        evidence = check.evidence_ids(case, step, _list(params, "evidence"))
        return partial(special_steps.handover, to=to, evidence=evidence, at=at)
    if step == "close":
        days = desk.resolver.policy_for(case.profile).option("watch").days
        return partial(workflow.close, watch_days=days, note=_text(params, "note"))
    raise StepDenied(step)


def _assign(params: Mapping[str, Any], user: User, case: Case, desk: CaseDesk) -> Step:
    """改派: a department of the profile and a reason; an officer keeps the co-departments."""
    directory = desk.resolver.directory(case.profile)
    lead = check.department_code(
        directory, case.case_id, "assign", _text(params, "lead"), "新的牵头部门"
    )
    reason = check.required(case.case_id, "assign", _text(params, "reason"), "改派理由")
    if case.lead_department is not None and case.lead_department.code == lead:
        raise FormError(
            case.case_id, "assign", f"{case.lead_department.name}已是牵头部门，请选择其他部门"
        )
    co = None if user.role == "officer" else _list(params, "co")
    codes = [
        check.department_code(directory, case.case_id, "assign", c, "配合部门") for c in co or ()
    ]
    return partial(workflow.assign, lead=lead, co=codes or None, reason=reason)


def _meeting(step: str, params: Mapping[str, Any], case: Case, desk: CaseDesk) -> Step:
    """召集 (members notified) or 记录 the joint meeting with its agreed line (口径)."""
    directory = desk.resolver.directory(case.profile)
    members = [
        check.department_code(directory, case.case_id, step, m, "参会部门")
        for m in _list(params, "members") or ()
    ]
    note = _text(params, "note")
    if step == "convene":
        at = check.local_time_input(
            case.case_id, step, _text(params, "at"), "会议时间", desk.clock(), past_only=False
        )
        return partial(convene, members=members, at=at, place=_text(params, "place"), note=note)
    line = check.required(case.case_id, step, _text(params, "line"), "会商确定的口径")
    held = check.local_time_input(
        case.case_id, step, _text(params, "held_at"), "会议时间", desk.clock(), past_only=True
    )
    return partial(special_steps.meeting, line=line, members=members, held_at=held, note=note)


def _merge(desk: CaseDesk, user: User, case: Case, params: Mapping[str, Any]) -> Case:
    """合并: this case into another open case the user may see; returns the grown target."""
    into = check.required(case.case_id, "merge", _text(params, "into"), "要并入的案件")
    if into == case.case_id:
        raise FormError(case.case_id, "merge", "不能把案件并入它自己")
    target = desk.stores.cases.get(into)
    if target is None or not can_see(user, target):
        raise FormError(case.case_id, "merge", f"没有案件 {into}")
    if target.status in ("closed", "dismissed"):
        state = "已办结" if target.status == "closed" else "已排除"
        raise FormError(case.case_id, "merge", f"目标案件「{target.title}」{state}，不能并入")
    _gone, grown = desk.merge(case.case_id, into, user.username)
    return grown


def _review(params: Mapping[str, Any], user: User, case: Case) -> Step:
    try:
        number = int(_text(params, "number"))
    except ValueError:
        raise FormError(case.case_id, "review", "请指明审查哪一条回应（编号）") from None
    level = _text(params, "level")
    target = case.responses[number - 1] if 1 <= number <= len(case.responses) else None
    if level not in review_levels(user, case, target):
        raise StepDenied("review")
    department = _text(params, "department")
    if level == "cosign" and user.role == "officer":
        department = user.department or ""
    decision = _text(params, "decision", "pass")
    return partial(
        review,
        number=number,
        level=level,
        approve=decision != "reject",
        note=_text(params, "note"),
        department=department,
    )


def run_step(desk: CaseDesk, user: User, case: Case, step: str, params: Mapping[str, Any]) -> Case:
    """Check the role, then run the step; raises StepDenied, FormError (bad input, Chinese)
    or WorkflowError. Returns the stored case (for a merge: the case merged into)."""
    if not may_take(user, step, case):
        raise StepDenied(step)
    if step == "merge":
        return _merge(desk, user, case, params)
    do = build_step(step, params, user, case, desk)
    return desk.run(case.case_id, step, user.username, do)
