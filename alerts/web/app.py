"""The dashboard application: routers, static files, security headers (a strict CSP: scripts
only from /static, no inline code), and the error pages; built by `create_app(settings)`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.exception_handlers import http_exception_handler
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from alerts.web import (
    api,
    case_manage,
    case_pages,
    delivery_pages,
    feed_pages,
    health,
    login_pages,
    outage,
    report_api,
    report_pages,
    stats_pages,
    user_api,
    user_pages,
)
from alerts.web.auth import LoginRequired
from alerts.web.context import WebContext
from pipeline.config import Settings
from pipeline.models import now_utc

STATIC_DIR = Path(__file__).parent / "static"
CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def create_app(settings: Settings, clock: Callable[[], datetime] = now_utc) -> FastAPI:
    web = WebContext.open(settings, clock)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            web.close()

    app = FastAPI(
        title="Yuqing 舆情 dashboard",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.web = web

    @app.middleware("http")
    async def security_headers(request: Request, call_next) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _exc: LoginRequired) -> Response:
        return login_pages.login_redirect(request)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return await http_exception_handler(request, exc)
        html = web.render("error.html", status=exc.status_code, message=str(exc.detail))
        return HTMLResponse(html, status_code=exc.status_code)

    outage.install(app)  # issue #11: a store outage → 503 with a clear message

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        return JSONResponse({"ok": True})

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (api, login_pages, case_pages, feed_pages, stats_pages):
        app.include_router(module.router)
    for module in (case_manage, user_pages, user_api):  # issue #10: workflow forms, accounts
        app.include_router(module.router)
    app.include_router(report_pages.router)  # issue #10: the 报告 page
    app.include_router(report_api.router)  # the report records as JSON
    app.include_router(health.router)  # issue #11: GET /api/health
    app.include_router(delivery_pages.router)  # issue #11: the 通知送达 page, /api/delivery
    return app
