"""Rendering a dashboard page: the template plus what every page shows (the user, the CSRF
token for its forms, flash messages, the navigation), and the 404 page."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from alerts.web.auth import Caller
from alerts.web.context import web_context

NAV = (
    ("board", "/board", "案件看板"),
    ("feed", "/feed", "信息流"),
    ("findings", "/findings", "异常发现"),
    ("accountability", "/accountability", "考核统计"),
    ("trends", "/trends", "舆情趋势"),
    ("reports", "/reports", "报告"),
    ("delivery", "/delivery", "通知送达"),
)
ADMIN_NAV = (("users", "/admin/users", "用户管理"),)


def nav_for(caller: Caller) -> list[tuple[str, str, str]]:
    if caller.user.role == "officer":
        return [n for n in NAV if n[0] not in ("findings", "reports", "delivery")]
    if caller.user.role == "admin":
        return [*NAV, *ADMIN_NAV]
    return list(NAV)


def render_page(
    request: Request,
    caller: Caller,
    template: str,
    active: str,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    web = web_context(request)
    html = web.render(
        template,
        user=caller.user,
        csrf_token=caller.session.csrf,
        flash=web.sessions.pop_flash(caller.session),
        nav=nav_for(caller),
        active=active,
        now=web.clock(),
        bus_down=web.health.bus_down(),
        **values,
    )
    return HTMLResponse(html, status_code=status_code)


def not_found(request: Request, caller: Caller) -> HTMLResponse:
    return render_page(request, caller, "not_found.html", "", status_code=404)
