"""Fixtures of the dashboard tests: the real demo pipeline run once per session into a data
dir, hostile content and users added, `yuqing web` started as a real server on a free port,
and a headless Debian Chromium driven by playwright (nothing downloaded)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from pipeline.config import load_settings
from pipeline.models import Case, Jurisdiction, ScoredItem
from pipeline.storage import open_stores

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOSTILE = (
    '<script>alert(1)</script>网传定城镇停水<iframe src="http://example.invalid/steal"></iframe>'
)
XSS_CASE = "case-xss-hostile-title"
XSS_ITEM = "xss-hostile-item"
PASSWORD = "correct-horse-battery"


def yuqing(
    *args: str, stdin: str | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Demo:
    data: Path
    workflow_case: str  # a new case with a running answer clock, for the whole workflow
    api_case: str  # another case the API tests may change
    lead: str  # the workflow case's lead department (officer `officer`)
    foreign_case: str  # a case that does not involve `lead` at all
    users: dict[str, str]  # role key → user name

    def stores(self):
        return open_stores(load_settings(None, self.data))


def hostile_item(item_id: str = XSS_ITEM, text: str = HOSTILE, risk: int = 95) -> ScoredItem:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    return ScoredItem(
        id=item_id,
        source_type="forum",
        source_name="定安论坛<b>",
        url="javascript:alert(1)",
        title=text,
        text=f"{text}\n正文也有 <img src=x onerror=alert(2)> 和 {HOSTILE}",
        published_at=now,
        crawled_at=now,
        profile="dingan",
        relevant=True,
        categories=["rumor"],
        risk=risk,
        jurisdiction=Jurisdiction(name="定城镇", code="469021100", level="town"),
        departments=[],
        event_id=f"ev-{item_id}",
        explanation="测试: 恶意内容必须原样显示为文字",
    )


def _seed_hostile(data: Path) -> None:
    stores = open_stores(load_settings(None, data))
    try:
        item = hostile_item()
        stores.items.put_many([item])
        stores.cases.create(
            Case(
                case_id=XSS_CASE,
                profile="dingan",
                event_id=item.event_id,
                title=HOSTILE,
                categories=["rumor"],
                risk=95,
                jurisdiction=item.jurisdiction,
                items=[item.id],
                detected_at=item.crawled_at,
                opened_at=item.crawled_at,
            )
        )
    finally:
        stores.close()


def _choose_cases(data: Path) -> tuple[str, str, str, str]:
    stores = open_stores(load_settings(None, data))
    try:
        cases = sorted(stores.cases.list(), key=lambda c: c.case_id)
    finally:
        stores.close()

    def workable(c: Case) -> bool:
        running = any(
            k.name in ("response", "first_response") and k.state == "running" for k in c.clocks
        )
        return c.status == "new" and c.lead_department is not None and running

    candidates = [c for c in cases if workable(c) and "rumor" not in c.categories]
    assert len(candidates) >= 2, "the demo must open at least two workable cases"
    chosen, api_case = candidates[0], candidates[1]
    lead = chosen.lead_department.code  # type: ignore[union-attr]
    involved = lambda c: lead in [d.code for d in [c.lead_department, *c.co_departments] if d]  # noqa: E731
    foreign = next(c for c in cases if not involved(c) and c.case_id != XSS_CASE)
    return chosen.case_id, api_case.case_id, lead, foreign.case_id


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Demo:
    data = tmp_path_factory.mktemp("web-demo")
    result = yuqing("demo", "--data", str(data), "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    _seed_hostile(data)
    workflow_case, api_case, lead, foreign = _choose_cases(data)
    users = {
        "monitor": ("mon", "monitor", None),
        "leader": ("boss", "leader", None),
        "admin": ("root", "admin", None),
        "officer": ("officer", "officer", lead),
        "throttled": ("victim", "monitor", None),
    }
    for name, role, department in users.values():
        extra = ["--department", department] if department else []
        added = yuqing(
            "users", "add", name, "--role", role, *extra, "--data", str(data), stdin=PASSWORD + "\n"
        )
        assert added.returncode == 0, added.stderr
    return Demo(data, workflow_case, api_case, lead, foreign, {k: v[0] for k, v in users.items()})


@contextmanager
def web_process(args: list[str], env: dict[str, str] | None = None) -> Iterator[str]:
    """`yuqing web ARGS` on a free port until /healthz answers; its base URL; stopped after."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "web", *args, "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                proc.kill()
                pytest.fail(f"yuqing web did not start: {err[-2000:]}")
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def server(demo: Demo) -> Iterator[str]:
    env = {**os.environ, "YUQING_FEED_POLL_SECONDS": "1"}
    with web_process(["--data", str(demo.data)], env=env) as base:
        yield base


def api_client(base: str, user: str) -> tuple[httpx.Client, str]:
    """An httpx client logged in as `user`, and its CSRF token."""
    client = httpx.Client(base_url=base, timeout=30)
    response = client.post("/api/login", json={"username": user, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return client, response.json()["csrf_token"]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


class Session:
    """One browser context logged in as one user; records dialogs (none may fire)."""

    def __init__(self, browser, base: str, user: str):
        self.base = base
        self.context = browser.new_context(
            viewport={"width": 1400, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(f"{base}/login")
        self.page.fill("input[name=username]", user)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url("**/board")

    def open(self, path: str):
        return self.page.goto(f"{self.base}{path}")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def login(browser, server):
    opened: list[Session] = []

    def log_in(user: str) -> Session:
        session = Session(browser, server, user)
        opened.append(session)
        return session

    yield log_in
    for session in opened:
        session.close()


SCREENSHOTS = ROOT / "docs" / "screenshots"
