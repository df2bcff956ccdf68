"""The HTTP import endpoint `POST /api/items`: Items from other systems (a vendor push, a
hotline platform) into items.raw, authenticated by a bearer token from config.

A small FastAPI app; the dashboard mounts it (`app.mount("/", create_import_app(...))`), and
`serve_import_api` runs it alone. A batch is all or nothing: any invalid Item → 422 with the
index and reason of each bad one; otherwise every Item is emitted and flushed before 200.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from crawlers.items import now_iso
from pipeline.models import Item
from pipeline.stage import StageContext
from pipeline.topics import ITEMS_RAW

MAX_BATCH = 5000
Emit = Callable[[list[Item]], None]


def context_emitter(ctx: StageContext) -> Emit:
    """Emit to items.raw through a StageContext, durable when it returns."""
    lock = threading.Lock()

    def emit(items: list[Item]) -> None:
        with lock:
            for item in items:
                ctx.emit(ITEMS_RAW, item, key=item.id)
            ctx.flush()

    return emit


def to_item(raw: Any) -> Item:
    if not isinstance(raw, dict):
        raise ValueError("not a JSON object")
    data = dict(raw)
    data.setdefault("crawled_at", now_iso())
    data.setdefault("published_at", data["crawled_at"])
    if "id" not in data and isinstance(data.get("text"), str):
        basis = data.get("url") or f"{data.get('source_name')}|{data['text']}"
        data["id"] = "import:" + hashlib.sha256(str(basis).encode("utf-8")).hexdigest()[:32]
    return Item.model_validate(data)


def create_import_app(emit: Emit, token: str) -> FastAPI:
    """The app; `token` must be non-empty (an endpoint without a token is refused at build)."""
    if not token:
        raise ValueError("the import endpoint needs a bearer token (import_token in config)")
    app = FastAPI(title="Yuqing import", docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/api/items")
    async def post_items(request: Request, authorization: str = Header(default="")) -> Any:
        scheme, _, given = authorization.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), token):
            raise HTTPException(401, "a valid bearer token is required",
                                headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "the body is not JSON"}, status_code=400)
        batch = body if isinstance(body, list) else [body]
        if len(batch) > MAX_BATCH:
            return JSONResponse({"error": f"at most {MAX_BATCH} items"}, status_code=413)
        items: list[Item] = []
        errors: list[dict[str, Any]] = []
        for index, raw in enumerate(batch):
            try:
                items.append(to_item(raw))
            except ValidationError as exc:
                for e in exc.errors():
                    where = ".".join(map(str, e["loc"])) or "item"
                    errors.append({"index": index, "field": where, "error": e["msg"]})
            except ValueError as exc:
                errors.append({"index": index, "field": "item", "error": str(exc)})
        if errors:
            return JSONResponse({"accepted": 0, "errors": errors}, status_code=422)
        emit(items)
        return {"accepted": len(items), "ids": [i.id for i in items]}

    return app


def serve_import_api(emit: Emit, token: str, host: str = "127.0.0.1", port: int = 8088) -> Any:
    """Run the endpoint alone with uvicorn in a daemon thread; returns the uvicorn Server
    (`server.should_exit = True` stops it)."""
    import uvicorn

    config = uvicorn.Config(
        create_import_app(emit, token), host=host, port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, name="yuqing-import-api", daemon=True).start()
    return server
