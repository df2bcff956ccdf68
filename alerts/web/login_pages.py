"""The login page (a plain form; its CSRF token is a pre-session double-submit cookie) and
logout (a form POST with the session's CSRF token)."""

from __future__ import annotations

import secrets
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from alerts.web.auth import (
    CSRF_FIELD,
    Caller,
    check_csrf,
    find_caller,
    form_with_csrf,
    log_in,
    page_caller,
    set_session_cookie,
)
from alerts.web.context import web_context
from alerts.web.sessions import COOKIE, LOGIN_COOKIE

router = APIRouter()


def _next_path(value: str | None) -> str:
    """Only a local path is followed after login (no open redirect)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/board"


def _login_page(
    request: Request, error: str = "", status: int = 200, username: str = ""
) -> Response:
    web = web_context(request)
    token = secrets.token_urlsafe(24)
    html = web.render(
        "login.html",
        error=error,
        csrf_token=token,
        next=_next_path(request.query_params.get("next")),
        username=username,
    )
    response = HTMLResponse(html, status_code=status)
    response.set_cookie(
        LOGIN_COOKIE,
        web.sessions.sign(token),
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/login",
    )
    return response


@router.get("/login")
def login_page(request: Request) -> Response:
    if find_caller(request) is not None:
        return RedirectResponse("/board", status_code=303)
    return _login_page(request)


@router.post("/login")
async def login_submit(request: Request) -> Response:
    web = web_context(request)
    form = await request.form()
    expected = web.sessions.unsign(request.cookies.get(LOGIN_COOKIE))
    check_csrf(request, expected, str(form.get(CSRF_FIELD) or ""))
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    try:
        done = log_in(web, username, password)
    except HTTPException as exc:
        return _login_page(request, str(exc.detail), exc.status_code, username)
    if done is None:
        return _login_page(request, "用户名或密码错误", 401, username)
    _user, session = done
    response = RedirectResponse(_next_path(str(form.get("next") or "")), status_code=303)
    set_session_cookie(request, response, web, session)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request, caller: Caller = Depends(page_caller)) -> Response:
    await form_with_csrf(request, caller)
    web_context(request).sessions.end(caller.session)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
