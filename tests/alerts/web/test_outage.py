"""Issue #11: the store (Elasticsearch, served by a real noida-db) or the bus goes away and
comes back. Meanwhile every page answers 503 with a clear Chinese message (the login page too:
an outage is not a wrong password), the JSON API 503 with {"error"}, /api/health says which
part is down, and afterwards the same web process — never restarted — works again."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from alerts.web.users import UserDirectory
from pipeline.config import load_settings
from pipeline.storage import open_stores
from tests.alerts.web.conftest import PASSWORD, ROOT, Session
from tests.distributed.conftest import NoidaServer
from tests.servers import free_port

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

STORE_DOWN = "数据存储暂时不可用"
BUS_DOWN = "消息总线不可用，采集与研判暂停，恢复后自动补齐"
CACHE_S = 3.2  # a little over health.CACHE_SECONDS


def _config(root: Path, store: str, bus: str) -> Path:
    config = {"data_dir": str(root / "data"), "profile": "dingan", "store": store, "bus": bus}
    path = root / "yuqing.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _add_user(config: Path) -> None:
    stores = open_stores(load_settings(config))
    try:
        UserDirectory(stores.state).add("mon", "monitor", PASSWORD)
    finally:
        stores.close()


def _client(config: Path) -> TestClient:
    _add_user(config)
    from alerts.web.app import create_app

    return TestClient(create_app(load_settings(config)), raise_server_exceptions=False)


@pytest.fixture
def noida(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NoidaServer]:
    server = NoidaServer(tmp_path_factory.mktemp("web-outage"))
    server.start()
    try:
        yield server
    finally:
        server.close()


def _login_form(client: TestClient) -> str:
    page = client.get("/login")
    assert page.status_code == 200
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def _assert_clear_503(response, api: bool) -> None:
    assert response.status_code == 503, response.text[:500]
    assert (
        response.headers["retry-after"]
        and "script-src 'self'" in response.headers["content-security-policy"]
    )
    text = response.json()["error"] if api else response.text
    assert STORE_DOWN in text and "恢复后自动重连" in text
    assert "Traceback" not in text and "用户名或密码错误" not in text


def test_pages_and_api_answer_503_while_the_store_is_down_and_recover(
    noida: NoidaServer, tmp_path: Path
) -> None:
    with _client(_config(tmp_path, noida.es_url, noida.kafka_url)) as web:
        token = _login_form(web)  # the login form, fetched before the outage
        assert web.post("/api/login", json={"username": "mon", "password": PASSWORD}).is_success
        board = web.get("/board")
        assert board.status_code == 200 and BUS_DOWN not in board.text
        health = web.get("/api/health").json()
        assert (health["store"], health["bus"], health["ok"]) == (True, True, True)

        noida.kill()
        time.sleep(CACHE_S)
        for path in ("/board", "/feed", "/reports", "/accountability", "/login"):
            _assert_clear_503(web.get(path), api=False)
        _assert_clear_503(web.get("/api/cases"), api=True)
        _assert_clear_503(web.get("/api/items"), api=True)
        logged = web.post("/api/login", json={"username": "mon", "password": PASSWORD})
        _assert_clear_503(logged, api=True)
        form = {"username": "mon", "password": "wrong-or-not", "csrf_token": token, "next": "/"}
        submitted = web.post("/login", data=form, follow_redirects=False)
        _assert_clear_503(submitted, api=False)
        assert 'src="/static/outage.js"' in submitted.text
        down = web.get("/api/health")
        assert down.status_code == 503
        assert set(down.json()) == {"ok", "store", "bus", "time"}
        assert (down.json()["store"], down.json()["bus"]) == (False, False)

        noida.start()  # same ports, same data: the session and the account are still there
        time.sleep(CACHE_S)
        assert web.get("/board").status_code == 200
        assert web.get("/api/cases").status_code == 200
        up = web.get("/api/health")
        assert up.status_code == 200 and up.json()["store"] is True and up.json()["bus"] is True


def test_every_page_shows_a_banner_while_the_bus_is_unreachable(
    noida: NoidaServer, tmp_path: Path
) -> None:
    nobody = f"kafka://127.0.0.1:{free_port()}"  # no broker listens there
    with _client(_config(tmp_path, noida.es_url, nobody)) as web:
        assert web.post("/api/login", json={"username": "mon", "password": PASSWORD}).is_success
        for path in ("/board", "/feed", "/reports", "/trends"):
            page = web.get(path)
            assert page.status_code == 200 and BUS_DOWN in page.text, path
        health = web.get("/api/health")
        assert health.status_code == 200
        assert (health.json()["store"], health.json()["bus"], health.json()["ok"]) == (
            True,
            False,
            False,
        )
        assert nobody.split("//")[1] not in health.text  # booleans only, no addresses


def test_health_needs_no_login_and_the_sqlite_demo_is_healthy(server: str) -> None:
    import httpx

    health = httpx.get(f"{server}/api/health", timeout=10)
    assert health.status_code == 200
    assert health.json()["store"] is True and health.json()["bus"] is True


def _web_server(config: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "web", "--config", str(config), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    pytest.fail("yuqing web did not start")


def test_the_outage_page_reloads_itself_once_the_store_is_back(
    noida: NoidaServer, tmp_path: Path, browser
) -> None:
    """In a real browser (strict CSP: outage.js from /static): the board becomes the 503 page
    while Elasticsearch is away, and the board again by itself after it returns."""
    config = _config(tmp_path, noida.es_url, noida.kafka_url)
    _add_user(config)
    proc, base = _web_server(config)
    try:
        session = Session(browser, base, "mon")
        noida.kill()
        response = session.open("/board")
        assert response is not None and response.status == 503
        assert STORE_DOWN in session.page.locator(".outage-message").inner_text()
        noida.start()
        session.page.wait_for_selector("nav.mainnav", timeout=40_000)  # reloaded: the board
        assert session.page.url.endswith("/board") and session.dialogs == []
        session.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
