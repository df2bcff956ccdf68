"""What a page or the API answers while the store is away (issue #11): 503 with a clear
Chinese message — never a traceback, never a secret, never "wrong password" on the login page —
and 409 when a write lost a race (someone else changed the record just now).

The outage page polls /api/health (outage.js) and reloads itself once the store is back;
the web process reconnects on its own, so nothing has to be restarted.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from pipeline.redact import redact
from pipeline.storage.base import ConflictError, StoreError

log = logging.getLogger(__name__)
RETRY_AFTER_S = 10
MAX_REASON = 300
STORE_DOWN = "数据存储暂时不可用：{reason}；恢复后自动重连，无需刷新以外的操作"
CONFLICT = "记录刚被他人修改，未保存；请刷新页面后重试"


def _reason(exc: Exception) -> str:
    text = redact(str(exc)).replace("\n", " ").strip()
    return (text[:MAX_REASON] + "…") if len(text) > MAX_REASON else (text or type(exc).__name__)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def store_unavailable(request: Request, exc: Exception) -> Response:
    """503: the store could not be reached (or refused) while answering this request."""
    if isinstance(exc, ConflictError):
        return await write_conflict(request, exc)
    message = STORE_DOWN.format(reason=_reason(exc))
    log.warning("%s %s: store unavailable: %s", request.method, request.url.path, _reason(exc))
    headers = {"Retry-After": str(RETRY_AFTER_S)}
    if _is_api(request):
        return JSONResponse({"error": message}, status_code=503, headers=headers)
    web = request.app.state.web
    html = web.render("unavailable.html", message=message, retry_s=RETRY_AFTER_S)
    return HTMLResponse(html, status_code=503, headers=headers)


async def write_conflict(request: Request, exc: Exception) -> Response:
    log.info("%s %s: write conflict: %s", request.method, request.url.path, _reason(exc))
    if _is_api(request):
        return JSONResponse({"error": CONFLICT}, status_code=409)
    html = request.app.state.web.render("error.html", status=409, message=CONFLICT)
    return HTMLResponse(html, status_code=409)


def install(app) -> None:  # noqa: ANN001 - a FastAPI app
    app.add_exception_handler(StoreError, store_unavailable)
