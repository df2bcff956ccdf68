"""Issue #11 at startup: `yuqing web` comes up although the store is away — Elasticsearch
(a real noida-db, not yet started) or the SQLite data folder (its path blocked by a file) —
answers 503 with the outage page over real HTTP, and works once the store is there, without a
restart."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from alerts.web.store_link import StoreLink
from pipeline.config import load_settings
from pipeline.storage.base import StoreError
from tests.alerts.web.conftest import PASSWORD
from tests.alerts.web.test_outage import (
    STORE_DOWN,
    _add_user,
    _assert_clear_503,
    _config,
    _web_server,
)
from tests.distributed.conftest import NoidaServer


@pytest.fixture
def stopped_noida(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NoidaServer]:
    """A noida-db with its ports chosen but not started yet."""
    server = NoidaServer(tmp_path_factory.mktemp("web-startup"), services="elasticsearch")
    try:
        yield server
    finally:
        server.close()


def _wait_healthy(base: str, seconds: float = 30) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while True:
        health = httpx.get(f"{base}/api/health", timeout=10)
        if health.status_code == 200 or time.monotonic() > deadline:
            return health
        time.sleep(0.5)


def _assert_down(base: str) -> None:
    health = httpx.get(f"{base}/api/health", timeout=10)
    assert health.status_code == 503 and health.json()["store"] is False
    _assert_clear_503(httpx.get(f"{base}/login", timeout=10), api=False)
    login = {"username": "mon", "password": PASSWORD}
    _assert_clear_503(httpx.post(f"{base}/api/login", json=login, timeout=10), api=True)


def _assert_works(base: str) -> None:
    assert _wait_healthy(base).status_code == 200
    with httpx.Client(base_url=base, timeout=10) as client:
        login = client.post("/api/login", json={"username": "mon", "password": PASSWORD})
        assert login.status_code == 200, login.text
        assert client.get("/api/cases").status_code == 200
        board = client.get("/board")
        assert board.status_code == 200 and STORE_DOWN not in board.text


def test_web_starts_while_elasticsearch_is_down_and_recovers(
    stopped_noida: NoidaServer, tmp_path: Path
) -> None:
    config = _config(tmp_path, stopped_noida.es_url, "sqlite")
    proc, base = _web_server(config)  # fails the test unless it serves /healthz
    try:
        _assert_down(base)
        stopped_noida.start()
        _add_user(config)
        _assert_works(base)
        assert proc.poll() is None  # the same process throughout
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def test_web_starts_while_the_sqlite_data_folder_is_unavailable(tmp_path: Path) -> None:
    config = _config(tmp_path, "sqlite", "sqlite")
    data = tmp_path / "data"
    data.write_text("not a folder: the drive is not mounted", encoding="utf-8")
    proc, base = _web_server(config)
    try:
        _assert_down(base)
        data.unlink()  # the folder comes back
        data.mkdir()
        _add_user(config)
        _assert_works(base)
        assert proc.poll() is None
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def test_the_link_retries_only_after_a_pause(tmp_path: Path) -> None:
    """While the store is away a page does not wait on a connect each time."""
    calls: list[float] = []

    def opener(_settings):
        calls.append(time.monotonic())
        raise StoreError("away")

    link = StoreLink(load_settings(_config(tmp_path, "sqlite", "sqlite")), opener, retry_s=0.5)
    for _ in range(5):
        with pytest.raises(StoreError):
            link.get()
    assert len(calls) == 1
    time.sleep(0.6)
    with pytest.raises(StoreError):
        link.get()
    assert len(calls) == 2
