"""The case board (open cases, clocks counting down, sortable) and the case page (evidence,
departments, clocks, responses, the whole timeline, and the steps the user's role may take).

Workflow forms post to /cases/{id}/steps/{step}; the result comes back as a flash message.
"""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from alerts.casework import ORIGINS
from alerts.events import RESPONSE_KINDS
from alerts.labels import SEVERITY_LABELS
from alerts.status import STATUS_LABELS, WorkflowError
from alerts.web.access import can_see, may_open, offered_steps, review_levels
from alerts.web.actions import STEP_LABELS, StepDenied, run_step
from alerts.web.auth import Caller, form_with_csrf, page_caller
from alerts.web.charts import propagation_chart
from alerts.web.context import web_context
from alerts.web.meeting import default_members
from alerts.web.page_support import not_found, render_page
from alerts.web.profile_scope import (
    admin_filter,
    case_directory,
    page_directory,
    profile_choices,
)
from alerts.web.queries import by_due_time, merge_targets, visible_case, visible_cases
from alerts.web.views import SOURCE_LABELS, case_urgency
from pipeline.models import CATEGORIES, Case, parse_time

router = APIRouter()
SORTS = {"due": "按时限", "risk": "按风险", "opened": "按立案时间"}


@router.get("/")
def home() -> Response:
    return RedirectResponse("/board", status_code=303)


def _sorted(cases: list[Case], sort: str, now) -> list[Case]:
    if sort == "risk":
        return sorted(cases, key=lambda c: (-c.risk, c.opened_at))
    if sort == "opened":
        return sorted(cases, key=lambda c: parse_time(c.opened_at), reverse=True)
    return by_due_time(cases, now)


@router.get("/board")
def board(
    request: Request, sort: str = "due", profile: str = "", caller: Caller = Depends(page_caller)
) -> Response:
    web = web_context(request)
    now = web.clock()
    sort = sort if sort in SORTS else "due"
    only = admin_filter(web, caller.user, profile)
    cases = visible_cases(web, caller.user, open_only=True)
    cases = _sorted([c for c in cases if only is None or c.profile == only], sort, now)
    directory = page_directory(web, caller.user, profile)
    urgency = {c.case_id: case_urgency(c, now) for c in cases}
    counts = Counter(urgency.values())
    return render_page(
        request,
        caller,
        "board.html",
        "board",
        cases=cases,
        urgency=urgency,
        counts=counts,
        new_count=sum(1 for c in cases if c.status == "new"),
        sort=sort,
        sorts=SORTS,
        can_open=may_open(caller.user),
        origins=ORIGINS,
        categories=CATEGORIES,
        severities=SEVERITY_LABELS,
        departments=directory.departments,
        towns=directory.towns,
        open_profile=directory.name if caller.user.role == "admin" else "",
        open_jurisdiction=directory.jurisdiction,
        profile_choices=profile_choices(web, caller.user),
        profile_filter=only or "",
        keep={"sort": sort},
    )


EVIDENCE_PAGE = 50  # evidence items shown per page: a viral case gathers tens of thousands
CHART_ITEMS = 5_000  # the propagation chart counts at most the case's latest this many


def _page_number(raw: str | None) -> int:
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


@router.get("/cases/{case_id}")
def case_page(case_id: str, request: Request, caller: Caller = Depends(page_caller)) -> Response:
    web = web_context(request)
    case = visible_case(web, caller.user, case_id)
    if case is None:
        return not_found(request, caller)
    steps = offered_steps(caller.user, case)
    directory = case_directory(web, case)
    reviews = {
        n: review_levels(caller.user, case, r) for n, r in enumerate(case.responses, start=1)
    }
    pages = max(1, -(-len(case.items) // EVIDENCE_PAGE))
    page = min(_page_number(request.query_params.get("evidence")), pages)
    shown = case.items[(page - 1) * EVIDENCE_PAGE : page * EVIDENCE_PAGE]
    charted = web.stores.items.get_many(case.items[-CHART_ITEMS:])  # one read for both
    held = {it.id: it for it in charted}
    if all(i in held for i in shown):
        items = [held[i] for i in shown]
    else:  # an older page of a case beyond CHART_ITEMS (or ids no longer stored)
        items = web.stores.items.get_many(shown)
    return render_page(
        request,
        caller,
        "case.html",
        "board",
        case=case,
        items=items,
        evidence_page=page,
        evidence_pages=pages,
        propagation=propagation_chart(charted, SOURCE_LABELS),
        charted=len(charted),
        steps=steps,
        reviews=reviews,
        status_labels=STATUS_LABELS,
        response_kinds=RESPONSE_KINDS,
        categories=CATEGORIES,
        departments=directory.departments,
        towns=directory.towns,
        merge_targets=merge_targets(web, caller.user, case) if "merge" in steps else [],
        meeting_members=default_members(directory),
        joint_meeting=directory.joint_meeting,
        may_draft_report=caller.user.role in ("admin", "monitor"),
    )


@router.post("/cases/{case_id}/steps/{step}")
async def case_step(
    case_id: str, step: str, request: Request, caller: Caller = Depends(page_caller)
) -> Response:
    fields = await form_with_csrf(request, caller)
    web = web_context(request)
    case = visible_case(web, caller.user, case_id)
    if case is None:
        return not_found(request, caller)
    label = STEP_LABELS.get(step, step)
    try:
        saved = await run_in_threadpool(run_step, web.desk, caller.user, case, step, fields)
    except StepDenied:
        web.sessions.add_flash(caller.session, "error", f"{label}: 您的角色不能执行这一步")
    except WorkflowError as exc:
        web.sessions.add_flash(caller.session, "error", f"{label}未完成: {exc.message_zh}")
    else:
        if not can_see(caller.user, saved):  # e.g. an officer reassigned it elsewhere
            done = f"{label}: 已完成，已记入案件经过；本案已不属于您的部门"
            web.sessions.add_flash(caller.session, "ok", done)
            return RedirectResponse("/board", status_code=303)
        web.sessions.add_flash(caller.session, "ok", f"{label}: 已完成，已记入案件经过")
        return RedirectResponse(f"/cases/{saved.case_id}", status_code=303)
    return RedirectResponse(f"/cases/{case.case_id}", status_code=303)
