"""The report records as JSON for scripts (the 报告 page's twin): list and read them, draft one
(a period report or a case's 专报), and take the workflow steps — review, approve, reject
(with a reason), send — under the same role rules; a session and the X-CSRF-Token header on
every change. Officers get 403 (reports cover every department); a role that may never take a
step 403; a step the record's status refuses 409, with the workflow's reason in Chinese."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from alerts.reports import workflow
from alerts.reports.store import ReportBook, ReportMissing
from alerts.reports.workflow import AlreadySent, ReportError
from alerts.web.auth import Caller, api_caller, header_csrf
from alerts.web.context import web_context
from alerts.web.queries import visible_case
from alerts.web.report_actions import (
    STEP_LABELS,
    actor_of,
    draft,
    may_read,
    may_see,
    readable,
    record_json,
    role_may,
    run_step,
)
from pipeline.config import ConfigError
from pipeline.redact import redact

router = APIRouter(prefix="/api/reports")
NO_REPORT = "没有这份报告"


class StepBody(BaseModel):
    note: str = ""
    reason: str = ""  # reject: why it goes back


class DraftBody(BaseModel):
    kind: str  # daily, weekly, monthly, case
    date: str = ""  # YYYY-MM-DD within the period (period reports); "" today
    case_id: str = ""  # kind "case"
    profile: str = ""  # an admin's county for a period report ("" the default)


def reader(caller: Caller = Depends(api_caller)) -> Caller:
    """401 without a session; 403 for officers."""
    if not may_see(caller):
        raise HTTPException(status_code=403, detail="报告仅供新闻办、领导和管理员查看")
    return caller


@router.get("")
def list_reports(request: Request, caller: Caller = Depends(reader)) -> list[dict[str, Any]]:
    actor, chosen = actor_of(caller), request.query_params.get("profile", "")
    return [record_json(r, actor) for r in readable(web_context(request), caller, chosen)]


@router.get("/{report_id}")
def get_report(report_id: str, request: Request, caller: Caller = Depends(reader)) -> dict:
    web = web_context(request)
    record = ReportBook(web.stores.state).find(report_id)
    if record is None or not may_read(web, caller, record):
        raise HTTPException(status_code=404, detail=NO_REPORT)
    return record_json(record, actor_of(caller))


def _checked_date(day: str) -> str:
    try:
        datetime.strptime(day, "%Y-%m-%d")
    except ValueError:
        raise HTTPException(status_code=422, detail=f"日期 {day} 应为 YYYY-MM-DD") from None
    return day


@router.post("", status_code=201)
async def draft_report(body: DraftBody, request: Request, caller: Caller = Depends(reader)):
    header_csrf(request, caller)
    if caller.user.role not in workflow.ROLES["draft"]:
        raise HTTPException(status_code=403, detail="只有新闻办（舆情监测员）和管理员可以编制报告")
    web = web_context(request)
    if body.kind not in ("daily", "weekly", "monthly", "case"):
        raise HTTPException(status_code=422, detail="kind 应为 daily、weekly、monthly 或 case")
    case = None
    if body.kind == "case":
        case = visible_case(web, caller.user, body.case_id)
        if case is None:
            raise HTTPException(status_code=404, detail="没有这个案件")
    day = _checked_date(body.date) if body.date and case is None else ""
    try:
        record = await run_in_threadpool(draft, web, caller, body.kind, day, case, body.profile)
    except ReportError as exc:
        raise HTTPException(status_code=409, detail=exc.reason) from None
    return record_json(record, actor_of(caller))


@router.post("/{report_id}/{step}")
async def report_step(
    report_id: str,
    step: str,
    request: Request,
    body: StepBody | None = None,
    caller: Caller = Depends(reader),
) -> dict:
    header_csrf(request, caller)
    if step not in STEP_LABELS:
        raise HTTPException(status_code=404, detail=f"没有“{step}”这一步")
    web = web_context(request)
    book = ReportBook(web.stores.state)
    record = book.find(report_id)
    if record is None or not may_read(web, caller, record):
        raise HTTPException(status_code=404, detail=NO_REPORT)
    if not role_may(caller.user.role, step, record):
        raise HTTPException(status_code=403, detail=f"您的角色不能{STEP_LABELS[step]}这份报告")
    body = body or StepBody()
    note = (body.reason or body.note).strip()
    actor = actor_of(caller)
    try:
        done = await run_in_threadpool(run_step, web, actor, report_id, step, note)
    except ReportMissing:
        raise HTTPException(status_code=404, detail=NO_REPORT) from None
    except AlreadySent as exc:
        done = exc.reason  # sending twice is harmless: nothing goes out again
    except ReportError as exc:
        raise HTTPException(status_code=409, detail=exc.reason) from None
    except ConfigError as exc:
        raise HTTPException(status_code=409, detail=redact(str(exc))) from None
    return {**record_json(book.get(report_id), actor), "message": done}
