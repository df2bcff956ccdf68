"""Opening a case by hand from the board (上级要求回应, 联席会议转办): the form on the board
and `POST /api/cases` for scripts. Only the news office (monitor) and admins open cases; the
fields are checked first (a Chinese reason, nothing stored), then CaseDesk.open_manual."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from alerts.casework import ORIGINS
from alerts.status import WorkflowError
from alerts.web import form_checks as check
from alerts.web.access import may_open
from alerts.web.auth import Caller, api_caller, form_with_csrf, header_csrf, page_caller
from alerts.web.context import WebContext, web_context
from alerts.web.messages import FormError, refusal
from alerts.web.profile_scope import directory_of, known_profiles, page_profile
from alerts.web.users import User
from pipeline.models import CATEGORIES, Case

router = APIRouter()
SEVERITIES = ("especially_major", "major", "larger", "general")
STEP = "open"


def open_case(web: WebContext, user: User, fields: Mapping[str, Any]) -> Case:
    """Check the submitted fields, then open the case as `user`, in the user's profile (an
    admin: the `profile` field, else the default)."""
    origin = check.text(fields, "origin") or "superior_request"
    if origin not in ORIGINS:
        raise FormError("-", STEP, f"未知的立案来源「{origin}」")
    title = check.required("-", STEP, check.text(fields, "title"), "标题")
    categories = check.many(fields, "categories") or []
    unknown = [c for c in categories if c not in CATEGORIES]
    if unknown:
        raise FormError("-", STEP, f"未知类别「{unknown[0]}」")
    importance = check.text(fields, "importance") or "important"
    if importance not in ("important", "ordinary"):
        raise FormError("-", STEP, "重要程度只能是 重要 或 一般")
    severity = check.text(fields, "severity")
    if severity and severity not in SEVERITIES:
        raise FormError("-", STEP, f"未知事件等级「{severity}」")
    chosen = check.text(fields, "profile")
    if chosen and user.role == "admin" and chosen not in known_profiles(web):
        raise FormError("-", STEP, f"未知辖区档案「{chosen}」")
    profile = page_profile(web, user, chosen)
    directory = directory_of(web, profile)
    lead = check.text(fields, "lead")
    town = check.text(fields, "town")
    return web.desk.open_manual(
        user.username,
        origin,
        title,
        text=check.text(fields, "text"),
        requested_by=check.text(fields, "requested_by"),
        categories=categories,
        importance=importance,
        severity=severity or None,
        town=check.town_code(directory, "-", STEP, town) if town else None,
        lead=check.department_code(directory, "-", STEP, lead, "牵头部门") if lead else None,
        profile=profile,
    )


@router.post("/cases/new")
async def open_from_board(request: Request, caller: Caller = Depends(page_caller)) -> Response:
    fields = await form_with_csrf(request, caller)
    if not may_open(caller.user):
        raise HTTPException(status_code=403, detail="只有新闻办（舆情监测员）可以手动立案")
    web = web_context(request)
    try:
        case = await run_in_threadpool(open_case, web, caller.user, fields)
    except WorkflowError as exc:
        web.sessions.add_flash(caller.session, "error", f"手动立案未完成: {exc.message_zh}")
        return RedirectResponse("/board", status_code=303)
    web.sessions.add_flash(caller.session, "ok", f"手动立案: 已立案「{case.title}」")
    return RedirectResponse(f"/cases/{case.case_id}", status_code=303)


@router.post("/api/cases", status_code=201)
async def open_by_api(request: Request, caller: Caller = Depends(api_caller)) -> dict:
    header_csrf(request, caller)
    if not may_open(caller.user):
        raise HTTPException(status_code=403, detail="只有新闻办（舆情监测员）可以手动立案")
    try:
        fields = await request.json()
    except ValueError:
        fields = None
    if not isinstance(fields, dict):
        raise HTTPException(status_code=422, detail="请求体须为 JSON 对象")
    web = web_context(request)
    try:
        case = await run_in_threadpool(open_case, web, caller.user, fields)
    except WorkflowError as exc:  # FormError 422, a refused step 409: the reason and its code
        return refusal(exc)
    return case.to_dict()
