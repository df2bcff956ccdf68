"""A case that gathered many items (a viral event) shows its evidence a page at a time over
real HTTP from `yuqing web`: the count of all, 50 per page, first / last pages, and a page
number out of range or not a number falls back to a real page instead of an error."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import yaml

from pipeline.config import load_settings
from pipeline.storage import open_stores
from tests.alerts.web.conftest import PASSWORD, web_process, yuqing
from tests.factories import make_case, make_scored

N_ITEMS = 120


def deployment(root: Path) -> Path:
    config = root / "yuqing.yaml"
    raw = {"data_dir": str(root / "data"), "profile": "dingan"}
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    stores = open_stores(load_settings(config))
    try:
        items = [make_scored(n, event_id="evt-viral") for n in range(N_ITEMS)]
        stores.items.put_many(items)
        case = make_case(0, event_id="evt-viral", items=[it.id for it in items])
        assert stores.cases.create(case)
    finally:
        stores.close()
    added = yuqing("users", "add", "mon", "--role", "monitor", "--config", str(config),
                   stdin=PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    return config


def shown(html: str) -> list[str]:
    return re.findall(r'data-item-id="([^"]+)"', html)


def test_a_large_case_shows_its_evidence_a_page_at_a_time(tmp_path: Path) -> None:
    with web_process(["--config", str(deployment(tmp_path))]) as base:
        http = httpx.Client(base_url=base, timeout=30)
        login = http.post("/api/login", json={"username": "mon", "password": PASSWORD})
        assert login.status_code == 200, login.text

        first = http.get("/cases/case-0")
        assert first.status_code == 200
        assert shown(first.text) == [f"item-{n}" for n in range(50)]
        assert f"共 {N_ITEMS} 条" in first.text and "第 1/3 页" in first.text
        assert 'href="?evidence=2"' in first.text and "上一页" not in first.text

        last = http.get("/cases/case-0", params={"evidence": 3})
        assert shown(last.text) == [f"item-{n}" for n in range(100, N_ITEMS)]
        assert "下一页" not in last.text and 'href="?evidence=2"' in last.text

        assert shown(http.get("/cases/case-0", params={"evidence": 99}).text) == shown(last.text)
        for bad in ("abc", "-4", ""):
            page = http.get("/cases/case-0", params={"evidence": bad})
            assert page.status_code == 200 and shown(page.text) == shown(first.text)
