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

from alerts.events import RESPONSE_KINDS
from alerts.status import STATUS_LABELS, WorkflowError
from alerts.web.access import offered_steps, review_levels
from alerts.web.actions import STEP_LABELS, StepDenied, run_step
from alerts.web.auth import Caller, form_with_csrf, page_caller
from alerts.web.context import web_context
from alerts.web.page_support import not_found, render_page
from alerts.web.queries import by_due_time, visible_case, visible_cases
from alerts.web.views import case_urgency
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
def board(request: Request, sort: str = "due", caller: Caller = Depends(page_caller)) -> Response:
    web = web_context(request)
    now = web.clock()
    sort = sort if sort in SORTS else "due"
    cases = _sorted(visible_cases(web, caller.user, open_only=True), sort, now)
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
    )


@router.get("/cases/{case_id}")
def case_page(case_id: str, request: Request, caller: Caller = Depends(page_caller)) -> Response:
    web = web_context(request)
    case = visible_case(web, caller.user, case_id)
    if case is None:
        return not_found(request, caller)
    steps = offered_steps(caller.user, case)
    reviews = {
        n: review_levels(caller.user, case, r) for n, r in enumerate(case.responses, start=1)
    }
    return render_page(
        request,
        caller,
        "case.html",
        "board",
        case=case,
        items=web.stores.items.get_many(case.items),
        steps=steps,
        reviews=reviews,
        status_labels=STATUS_LABELS,
        response_kinds=RESPONSE_KINDS,
        categories=CATEGORIES,
        departments=web.directory.departments,
        towns=web.directory.towns,
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
        await run_in_threadpool(run_step, web.desk, caller.user, case, step, fields)
    except StepDenied:
        web.sessions.add_flash(caller.session, "error", f"{label}: 您的角色不能执行这一步")
    except WorkflowError as exc:
        web.sessions.add_flash(caller.session, "error", f"{label}未完成: {exc.reason}")
    else:
        web.sessions.add_flash(caller.session, "ok", f"{label}: 已完成，已记入案件经过")
    return RedirectResponse(f"/cases/{case.case_id}", status_code=303)
