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
from alerts.status import WorkflowError
from alerts.web.access import may_take, review_levels
from alerts.web.users import User
from pipeline.models import Case

STEP_LABELS = {
    "confirm": "研判确认",
    "dismiss": "排除",
    "assign": "改派",
    "ack": "签收",
    "verify": "核实",
    "respond": "拟回应",
    "review": "审查",
    "report": "报送",
    "handover": "移交",
    "close": "办结",
}


class StepDenied(Exception):
    """The user's role does not allow this step on this case."""


def _text(params: Mapping[str, Any], key: str, default: str = "") -> str:
    value = params.get(key, default)
    if isinstance(value, list):
        value = value[0] if value else default
    return str(value if value is not None else default).strip()


def _list(params: Mapping[str, Any], key: str) -> list[str] | None:
    """A list field; None when absent (keep the proposal), [] when given empty."""
    if key not in params:
        return None
    value = params[key]
    values = value if isinstance(value, list) else [value]
    return [str(v).strip() for v in values if str(v).strip()]


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
        return partial(
            workflow.assign,
            lead=_text(params, "lead"),
            co=_list(params, "co") or None,
            reason=_text(params, "reason"),
        )
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
        return partial(special_steps.handover, to=_text(params, "to"), evidence=[])
    if step == "close":
        days = desk.resolver.policy_for(case.profile).option("watch").days
        return partial(workflow.close, watch_days=days, note=_text(params, "note"))
    raise StepDenied(step)


def _review(params: Mapping[str, Any], user: User, case: Case) -> Step:
    try:
        number = int(_text(params, "number"))
    except ValueError:
        raise WorkflowError(case.case_id, "review", "which response? (number)") from None
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
    """Check the role, then run the step; raises StepDenied or WorkflowError."""
    if not may_take(user, step, case):
        raise StepDenied(step)
    do = build_step(step, params, user, case, desk)
    return desk.run(case.case_id, step, user.username, do)
