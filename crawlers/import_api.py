"""The HTTP import endpoint `POST /api/items`: Items from other systems (a vendor push, a
hotline platform) into items.raw, authenticated by a bearer token from config.

A small FastAPI app; the dashboard mounts it (`app.mount("/", create_import_app(...))`), and
`serve_import_api` runs it alone. A batch is all or nothing: any invalid Item → 422 with the
index and reason of each bad one; otherwise every Item is emitted and flushed before 200.
Hostile bodies are refused before they cost memory: more than MAX_BODY_BYTES → 413, a type
other than JSON → 415, bytes that are not UTF-8 JSON or nest deeper than MAX_DEPTH → 400.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from crawlers.items import now_iso
from pipeline.bus.base import BusError
from pipeline.models import Item
from pipeline.stage import StageContext
from pipeline.topics import ITEMS_RAW

log = logging.getLogger("yuqing.import")

MAX_BATCH = 5000
MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 32  # an Item is shallow; `extra` and `metrics` need a few levels at most
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
    item = Item.model_validate(data)
    try:
        item.to_bytes()
    except ValueError:  # e.g. a lone surrogate: "\ud800" is valid JSON, not storable text
        raise ValueError("not storable as UTF-8 text (a lone surrogate escape?)") from None
    return item


class BodyError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in a parsed body (iterative: no recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, level)
            if deepest > MAX_DEPTH:
                return deepest
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, level + 1) for child in children)
    return deepest


async def read_body(request: Request) -> Any:
    """The parsed JSON body, read at most MAX_BODY_BYTES into memory; BodyError otherwise."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype and not (ctype.endswith("/json") or ctype.endswith("+json")):
        raise BodyError(415, f"expected Content-Type application/json, got {ctype}")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BodyError(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BodyError(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(400, f"the body is not UTF-8 (byte {exc.start})") from None
    try:
        body = json.loads(text)
    except RecursionError:
        raise BodyError(400, f"the JSON nests deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        raise BodyError(400, f"the body is not JSON: {exc}") from None
    if _depth(body) > MAX_DEPTH:
        raise BodyError(400, f"the JSON nests deeper than {MAX_DEPTH} levels")
    return body


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
            body = await read_body(request)
        except BodyError as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)
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
        try:
            emit(items)
        except BusError as exc:  # nothing acknowledged: the sender retries the whole batch
            log.warning("import: items.raw unavailable: %s", exc)
            return JSONResponse({"error": "items.raw unavailable; retry later"}, status_code=503)
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
