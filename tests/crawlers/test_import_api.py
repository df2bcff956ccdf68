"""`POST /api/items` over a real socket (uvicorn): bearer token, validation, items.raw."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request

import pytest

from crawlers.import_api import context_emitter, create_import_app, serve_import_api
from pipeline.stage import StageContext
from tests.crawlers.conftest import BusReader

TOKEN = "s3cret-import-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def endpoint(settings):
    ctx = StageContext(settings)
    port = free_port()
    server = serve_import_api(context_emitter(ctx), TOKEN, port=port)
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/api/items"
    server.should_exit = True
    time.sleep(0.3)
    ctx.close()


def post(url: str, body: object, token: str | None = TOKEN) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data, headers)) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


ITEM = {"id": "hotline-20250901-001", "source_type": "hotline", "source_name": "12345热线",
        "text": "雷鸣镇龙马村停水三天", "published_at": "2025-09-01T08:00:00+08:00"}  # fmt: skip


def test_items_are_validated_and_emitted(endpoint, settings):
    assert post(endpoint, [ITEM], token=None)[0] == 401
    assert post(endpoint, [ITEM], token="wrong")[0] == 401
    status, body = post(endpoint, [ITEM, {**ITEM, "id": "x", "source_type": "radio"}, "str"])
    assert status == 422 and body["accepted"] == 0
    assert [(e["index"], e["field"]) for e in body["errors"]] == [(1, "source_type"), (2, "item")]
    status, body = post(endpoint, [ITEM, {**ITEM, "id": "hotline-2", "text": "第二条"}])
    assert status == 200 and body == {"accepted": 2, "ids": ["hotline-20250901-001", "hotline-2"]}
    items = sorted(BusReader(settings.data_dir).items(), key=lambda i: i["id"])
    assert [i["id"] for i in items] == ["hotline-2", "hotline-20250901-001"]
    assert all(i["crawled_at"] for i in items)  # filled in on arrival


def test_an_endpoint_without_a_token_is_refused():
    with pytest.raises(ValueError, match="bearer token"):
        create_import_app(lambda items: None, "")
