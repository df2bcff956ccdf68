"""The JSON API (contracts.md "Web API"): login/logout, cases (filtered by what the caller may
see; a case they may not see is 404), the feed, findings, and workflow steps for scripts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from alerts.status import WorkflowError
from alerts.web.actions import StepDenied, run_step
from alerts.web.auth import (
    Caller,
    api_caller,
    header_csrf,
    log_in,
    same_origin,
    set_session_cookie,
)
from alerts.web.context import web_context
from alerts.web.messages import refusal
from alerts.web.queries import FeedFilters, feed, findings, visible_case, visible_cases
from alerts.web.sessions import COOKIE

router = APIRouter(prefix="/api")


class LoginBody(BaseModel):
    username: str
    password: str


@router.post("/login")
def login(body: LoginBody, request: Request) -> JSONResponse:
    web = web_context(request)
    if not same_origin(request):
        raise HTTPException(status_code=403, detail="跨站登录请求被拒绝")
    done = log_in(web, body.username, body.password)
    if done is None:
        raise HTTPException(status_code=401, detail="用户名或密码错误")
    user, session = done
    response = JSONResponse({"user": user.public(), "csrf_token": session.csrf})
    set_session_cookie(request, response, web, session)
    return response


@router.post("/logout")
def logout(request: Request, caller: Caller = Depends(api_caller)) -> JSONResponse:
    header_csrf(request, caller)
    web_context(request).sessions.end(caller.session)
    response = JSONResponse({"ok": True})
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/me")
def me(caller: Caller = Depends(api_caller)) -> dict[str, Any]:
    return {"user": caller.user.public(), "csrf_token": caller.session.csrf}


@router.get("/cases")
def list_cases(
    request: Request,
    open_only: bool = Query(False, alias="open"),
    caller: Caller = Depends(api_caller),
) -> list[dict[str, Any]]:
    cases = visible_cases(web_context(request), caller.user, open_only)
    return [c.to_dict() for c in cases]


@router.get("/cases/{case_id}")
def get_case(case_id: str, request: Request, caller: Caller = Depends(api_caller)) -> dict:
    case = visible_case(web_context(request), caller.user, case_id)
    if case is None:
        raise HTTPException(status_code=404, detail="没有这个案件")
    return case.to_dict()


@router.post("/cases/{case_id}/steps/{step}")
async def case_step(
    case_id: str, step: str, request: Request, caller: Caller = Depends(api_caller)
) -> dict:
    header_csrf(request, caller)
    web = web_context(request)
    try:
        params = await request.json()
    except ValueError:
        params = {}
    if not isinstance(params, dict):
        raise HTTPException(status_code=422, detail="expected a JSON object")
    case = visible_case(web, caller.user, case_id)
    if case is None:
        raise HTTPException(status_code=404, detail="没有这个案件")
    try:
        saved = await run_in_threadpool(run_step, web.desk, caller.user, case, step, params)
    except StepDenied:
        raise HTTPException(status_code=403, detail="您的角色不能执行这一步") from None
    except WorkflowError as exc:  # FormError 422, a refused step 409: the reason and its code
        return refusal(exc)
    return saved.to_dict()


@router.get("/items")
def list_items(
    request: Request,
    category: str = "",
    town: str = "",
    department: str = "",
    source: str = "",
    min_risk: int | None = Query(None, ge=0, le=100),
    q: str = "",
    relevant: str = "",
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0),
    profile: str = "",
    caller: Caller = Depends(api_caller),
) -> list[dict[str, Any]]:
    """The feed; `profile` narrows an admin's view to one county (others see their own)."""
    filters = FeedFilters(
        category, town, department, source, min_risk, q, relevant, limit, offset, profile
    )
    return [item.to_dict() for item in feed(web_context(request), caller.user, filters)]


@router.get("/findings")
def list_findings(
    request: Request, kind: str | None = None, caller: Caller = Depends(api_caller)
) -> list[dict[str, Any]]:
    if caller.user.role == "officer":
        raise HTTPException(status_code=403, detail="发现面板仅供新闻办和领导查看")
    return [f.to_dict() for f in findings(web_context(request), kind, user=caller.user)]
