"""Who is asking: the session cookie → user, for the API (401 without a session) and the pages
(redirect to the login page); CSRF checks for every state-changing request; the login itself.

CSRF: a per-session token sent back in the X-CSRF-Token header (scripts, fetch) or the
csrf_token form field (pages), compared in constant time; a cross-site Origin is refused too.
The login form carries a pre-session token matched against a cookie (double submit).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from alerts.web.context import WebContext, web_context
from alerts.web.sessions import COOKIE, Session, tokens_match
from alerts.web.users import User, scoped

CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    """A page was asked for without a valid session: the handler redirects to /login."""


@dataclass
class Caller:
    user: User
    session: Session


def find_caller(request: Request) -> Caller | None:
    web = web_context(request)
    session = web.sessions.find(request.cookies.get(COOKIE))
    if session is None:
        return None
    user = web.users.get(session.username)
    if user is None or not user.active:  # a disabled account's sessions die at once
        return None
    return Caller(scoped(user, web.settings.profile_names), session)


def api_caller(request: Request) -> Caller:
    """Dependency of the JSON API: the caller, or 401."""
    caller = find_caller(request)
    if caller is None:
        raise HTTPException(status_code=401, detail="未登录或会话已过期")
    return caller


def page_caller(request: Request) -> Caller:
    """Dependency of the pages: the caller, or a redirect to the login page."""
    caller = find_caller(request)
    if caller is None:
        raise LoginRequired()
    return caller


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another site."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin is None:
        return True  # not a browser's cross-site request (scripts send the token anyway)
    if origin == "null":
        return False
    return urlsplit(origin).netloc == request.headers.get("host", "")


def check_csrf(request: Request, expected: str | None, given: str | None) -> None:
    if not same_origin(request) or not tokens_match(expected, given):
        raise HTTPException(status_code=403, detail="CSRF 校验失败，请刷新页面后重试")


async def form_with_csrf(request: Request, caller: Caller) -> dict[str, object]:
    """The submitted form (multi-valued fields as lists) after the CSRF check."""
    form = await request.form()
    check_csrf(request, caller.session.csrf, str(form.get(CSRF_FIELD) or ""))
    fields: dict[str, object] = {}
    for key in form:
        values = [str(v) for v in form.getlist(key)]
        fields[key] = values if len(values) > 1 or key in ("co", "categories") else values[0]
    return fields


def header_csrf(request: Request, caller: Caller) -> None:
    check_csrf(request, caller.session.csrf, request.headers.get(CSRF_HEADER))


def log_in(web: WebContext, username: str, password: str) -> tuple[User, Session] | None:
    """Check the password (throttled per user name); a new session on success."""
    if web.sessions.login_blocked(username):
        raise HTTPException(status_code=429, detail="登录失败次数过多，请15分钟后再试")
    user = web.users.authenticate(username, password)
    if user is None:
        web.sessions.login_failed(username)
        return None
    web.sessions.login_succeeded(username)
    return user, web.sessions.create(user.username)


def set_session_cookie(
    request: Request, response: Response, web: WebContext, session: Session
) -> None:
    response.set_cookie(
        COOKIE,
        web.sessions.sign(session.sid),
        max_age=int(web.sessions.lifetime),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
