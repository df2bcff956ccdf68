"""The 报告 page: the written reports with their status and audit trail, downloads of the .docx
and .html, a form to draft one, and the steps the user's role may take — 审核 (monitor,
leader, admin; not the drafter), 批准 (leader, admin), 退回 with a reason, 发送 (approved only).

Officers do not see reports (they cover every department). Forms are CSRF-checked like every
other page; the workflow (alerts/reports/workflow.py) has the last word and explains a refusal.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from alerts.localtime import display_local
from alerts.reports import workflow
from alerts.reports.records import ACTION_LABELS, FORMATS, KIND_LABELS
from alerts.reports.sending import MIME
from alerts.reports.store import ReportBook, ReportMissing
from alerts.reports.workflow import AlreadySent, ReportError
from alerts.web.auth import Caller, form_with_csrf, page_caller
from alerts.web.context import web_context
from alerts.web.page_support import not_found, render_page
from alerts.web.profile_scope import profile_choices
from alerts.web.queries import visible_case
from alerts.web.report_actions import (
    STEP_LABELS,
    actor_of,
    may_read,
    may_see,
    readable,
    run_step,
)
from alerts.web.report_actions import draft as draft_report
from pipeline.config import ConfigError
from pipeline.redact import redact

router = APIRouter()


def _render(request: Request, caller: Caller, **values: object) -> Response:
    return render_page(request, caller, "reports.html", "reports", **values)


@router.get("/reports")
def reports_page(request: Request, caller: Caller = Depends(page_caller)) -> Response:
    if not may_see(caller):
        return not_found(request, caller)
    web = web_context(request)
    chosen = request.query_params.get("profile", "")
    records = readable(web, caller, chosen)
    actor = actor_of(caller)
    return _render(
        request,
        caller,
        records=records,
        actions={r.report_id: workflow.actions_for(r, actor) for r in records},
        may_draft=caller.user.role in workflow.ROLES["draft"],
        kinds={k: v for k, v in KIND_LABELS.items() if k != "case"},
        step_labels=STEP_LABELS,
        action_labels=ACTION_LABELS,
        today=display_local(web.clock())[:10],
        profile_choices=profile_choices(web, caller.user),
        chosen_profile=chosen,
    )


@router.get("/reports/{report_id}/files/{fmt}")
def report_file(
    report_id: str, fmt: str, request: Request, caller: Caller = Depends(page_caller)
) -> Response:
    """The file as a download (never rendered in the dashboard's origin)."""
    web = web_context(request)
    record = ReportBook(web.stores.state).find(report_id)
    if not may_read(web, caller, record) or fmt not in FORMATS or fmt not in record.files:
        return not_found(request, caller)
    path = record.files[fmt].path
    if not Path(path).is_file():  # moved or deleted since it was drafted
        return not_found(request, caller)
    media = "/".join(MIME[fmt])
    return FileResponse(path, media_type=media, filename=f"yuqing-{report_id}.{fmt}")


def _is_date(day: str) -> bool:
    try:
        datetime.strptime(day, "%Y-%m-%d")
    except ValueError:
        return False
    return True


@router.post("/reports/draft")
async def draft(request: Request, caller: Caller = Depends(page_caller)) -> Response:
    fields = await form_with_csrf(request, caller)
    if not may_see(caller):
        return not_found(request, caller)
    web = web_context(request)
    kind, day = str(fields.get("kind", "")), str(fields.get("date", "")).strip()
    try:
        if kind not in ("daily", "weekly", "monthly"):
            raise ReportError("-", "draft", "请选择日报、周报或月报")
        if day and not _is_date(day):
            raise ReportError("-", "draft", f"日期 {day} 应为 YYYY-MM-DD")
        profile = str(fields.get("profile", ""))
        record = await run_in_threadpool(draft_report, web, caller, kind, day, None, profile)
    except ReportError as exc:
        web.sessions.add_flash(caller.session, "error", f"编制未完成: {exc.reason}")
    else:
        done = f"编制: 已生成 {record.report_id}，待负责人审核"
        web.sessions.add_flash(caller.session, "ok", done)
    return RedirectResponse("/reports", status_code=303)


@router.post("/reports/{report_id}/{step}")
async def report_step(
    report_id: str, step: str, request: Request, caller: Caller = Depends(page_caller)
) -> Response:
    fields = await form_with_csrf(request, caller)
    web = web_context(request)
    record = ReportBook(web.stores.state).find(report_id)
    if not may_read(web, caller, record) or step not in STEP_LABELS:
        return not_found(request, caller)
    label = STEP_LABELS[step]
    note = str(fields.get("reason") or fields.get("note") or "").strip()
    try:
        done = await run_in_threadpool(run_step, web, actor_of(caller), report_id, step, note)
    except ReportMissing:
        return not_found(request, caller)
    except AlreadySent as exc:
        web.sessions.add_flash(caller.session, "ok", f"{label}: {exc.reason}")
    except (ReportError, ConfigError) as exc:
        reason = exc.reason if isinstance(exc, ReportError) else redact(str(exc))
        web.sessions.add_flash(caller.session, "error", f"{label}未完成: {reason}")
    else:
        web.sessions.add_flash(caller.session, "ok", f"{label}: {done}")
    return RedirectResponse("/reports", status_code=303)


@router.post("/cases/{case_id}/report")
async def draft_case_report(
    case_id: str, request: Request, caller: Caller = Depends(page_caller)
) -> Response:
    """专报 of a case, from its page (monitors, admins): drafted, then on to the 报告 page."""
    await form_with_csrf(request, caller)
    web = web_context(request)
    case = visible_case(web, caller.user, case_id)
    if case is None or caller.user.role not in workflow.ROLES["draft"]:
        return not_found(request, caller)
    try:
        record = await run_in_threadpool(draft_report, web, caller, "case", "", case)
    except ReportError as exc:
        web.sessions.add_flash(caller.session, "error", f"专报编制未完成: {exc.reason}")
        return RedirectResponse(f"/cases/{case.case_id}", status_code=303)
    done = f"专报: 已生成 {record.report_id}（{case.title[:40]}），待负责人审核"
    web.sessions.add_flash(caller.session, "ok", done)
    return RedirectResponse(f"/reports#report-{record.report_id}", status_code=303)
