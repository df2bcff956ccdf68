"""`POST /api/items` over a real socket against hostile bodies: JSON bombs (deep nesting, huge
arrays, huge strings), wrong content types, invalid UTF-8, lone surrogates → a 4xx with a
clear message; the body size is bounded; and no valid item is lost or doubled around them."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawlers.import_api import MAX_BATCH, MAX_BODY_BYTES, context_emitter, serve_import_api
from pipeline.config import Settings, load_settings
from pipeline.stage import StageContext
from tests.crawlers.conftest import BusReader, write_config
from tests.crawlers.test_import_api import ITEM, TOKEN, free_port


@pytest.fixture(scope="module")
def import_settings(tmp_path_factory) -> Settings:
    return load_settings(write_config(tmp_path_factory.mktemp("import")), env={})


@pytest.fixture(scope="module")
def endpoint(import_settings: Settings) -> Iterator[str]:
    """The real endpoint (uvicorn on 127.0.0.1) writing to a real SQLite bus."""
    ctx = StageContext(import_settings)
    port = free_port()
    server = serve_import_api(context_emitter(ctx), TOKEN, port=port)
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/api/items"
    server.should_exit = True
    time.sleep(0.3)
    ctx.close()


def send(url: str, body: bytes, content_type: str = "application/json",
         headers: dict[str, str] | None = None) -> tuple[int, dict]:  # fmt: skip
    """One raw POST (http.client: no client-side re-encoding of the body)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    all_headers = {"Authorization": f"Bearer {TOKEN}", **(headers or {})}
    if content_type:
        all_headers["Content-Type"] = content_type
    try:
        conn.request("POST", parts.path, body=body, headers=all_headers)
        resp = conn.getresponse()
        raw = resp.read()
    finally:
        conn.close()
    try:
        return resp.status, json.loads(raw or b"{}")
    except ValueError:
        return resp.status, {"raw": raw[:200].decode("latin-1")}


def good(n: int) -> dict:
    return {**ITEM, "id": f"fuzz-good-{n}", "text": f"雷鸣镇龙马村停水第{n}天"}


HOSTILE = [
    ("deep array", ("[" * 100_000 + "]" * 100_000).encode(), 400, "nests deeper"),
    ("deep object", ('{"a":' * 50_000 + "1" + "}" * 50_000).encode(), 400, "nests deeper"),
    ("deep extra", json.dumps([{**good(0), "extra": json.loads("[" * 40 + "]" * 40)}]).encode(),
     400, "nests deeper"),
    ("huge array", json.dumps([good(0)] * (MAX_BATCH + 1)).encode(), 413, "at most"),
    ("array of nulls", b"[" + b"null," * 2_000 + b"null]", 422, ""),
    ("huge string", b'[{"text": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}]', 413, "larger than"),
    ("invalid utf-8", b'[{"id": "a", "text": "\xff\xfe\xe5\xae"}]', 400, "not UTF-8"),
    ("gbk body", json.dumps([good(0)], ensure_ascii=False).encode("gbk"), 400, "not UTF-8"),
    ("not json", b"<items><item/></items>", 400, "not JSON"),
    ("empty", b"", 400, "not JSON"),
    ("lone surrogate", json.dumps([{**good(0), "text": "\ud800"}]).encode(), 422, "surrogate"),
    ("nan", b'[{"id": NaN}]', 422, ""),
]  # fmt: skip


@pytest.mark.parametrize("name, body, status, words", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_bodies_get_a_clear_4xx(endpoint, name, body, status, words) -> None:
    got, answer = send(endpoint, body)
    assert got == status, (name, answer)
    message = json.dumps(answer, ensure_ascii=False)
    assert words in message


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_wrong_content_types_are_refused(endpoint, content_type) -> None:
    got, answer = send(endpoint, json.dumps([good(0)]).encode(), content_type)
    assert got == 415 and "application/json" in answer["error"]


def test_a_chunked_body_is_bounded_too(endpoint) -> None:
    """No Content-Length: the server stops reading at the limit instead of buffering it all."""
    parts = urlsplit(endpoint)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    chunk = b"[" + b'"' + b"x" * (1024 * 1024) + b'",' * 0

    def body():
        yield chunk
        for _ in range(MAX_BODY_BYTES // (1024 * 1024) + 2):
            yield b"x" * (1024 * 1024)
        yield b'"]'

    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    try:
        conn.request("POST", parts.path, body=body(), headers=headers, encode_chunked=True)
        resp = conn.getresponse()
        assert resp.status == 413 and b"larger than" in resp.read()
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server hung up mid-upload: bounded as well
    finally:
        conn.close()


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=30,
)  # fmt: skip
ITEMISH = st.fixed_dictionaries(
    {},
    optional={"id": st.text(max_size=30), "source_type": st.sampled_from(["hotline", "radio", ""]),
              "source_name": st.text(max_size=10), "text": st.text(max_size=50),
              "title": JSONISH, "published_at": st.sampled_from(["2025-09-01T08:00:00+08:00",
              "yesterday", ""]), "metrics": JSONISH, "extra": JSONISH, "url": JSONISH},
)  # fmt: skip


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(ITEMISH, JSONISH), max_size=6), st.integers(0, 10_000))
def test_valid_items_are_never_lost_around_hostile_ones(endpoint, import_settings, junk, n) -> None:
    """Any junk batch → 200 or a 4xx (never 5xx); a good batch right after is stored whole."""
    status, answer = send(endpoint, json.dumps(junk).encode("utf-8", "surrogatepass"))
    assert status == 200 or 400 <= status < 500, answer
    status, answer = send(endpoint, json.dumps([good(n), good(n + 1)]).encode())
    assert status == 200 and answer["accepted"] == 2
    ids = [i["id"] for i in BusReader(import_settings.data_dir).items()]
    assert {f"fuzz-good-{n}", f"fuzz-good-{n + 1}"} <= set(ids)


def test_a_refused_batch_emits_nothing_and_a_good_one_everything(endpoint, import_settings):
    before = len(BusReader(import_settings.data_dir).items())
    status, _ = send(
        endpoint, json.dumps([good(90_001), {**good(90_002), "text": "\ud800"}]).encode()
    )
    assert status == 422
    assert len(BusReader(import_settings.data_dir).items()) == before
    status, _ = send(endpoint, json.dumps([good(90_001), good(90_002)]).encode())
    ids = [i["id"] for i in BusReader(import_settings.data_dir).items()]
    assert status == 200 and len(ids) == before + 2
    assert {"fuzz-good-90001", "fuzz-good-90002"} <= set(ids)
