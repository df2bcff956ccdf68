"""Hostile answers never crash a crawl: each bad URL is logged with a clear reason, counted in
the source's health, and the good pages still become items. Private addresses are refused
unless the source allows them."""

from __future__ import annotations

import pytest
import yaml

from crawlers.health import HealthBook
from crawlers.sources import load_sources
from pipeline.config import load_settings
from pipeline.storage.sqlite import open_sqlite_stores
from tests.crawlers.conftest import BusReader, crawl, write_config
from tests.crawlers.servers import HostileHandler, LocalServer

SOURCES = {
    "defaults": {"interval": "10m", "download_delay_s": 0, "obey_robots": False, "retries": 1,
                 "retry_backoff_s": 0.1, "timeout_s": 1, "max_page_bytes": 1024 * 1024},
    "sources": [
        {"name": "恶意站点", "spider": "gov_site", "source_type": "gov_site",
         "allow_private": True, "start_urls": ["${URL}/list.html"]},
        {"name": "改版接口", "spider": "social_api", "source_type": "weibo",
         "allow_private": True, "selectors": {"preset": "weibo"},
         "start_urls": ["${URL}/api.json", "${URL}/api_v2.json"]},
        {"name": "内网地址", "spider": "gov_site", "source_type": "gov_site",
         "start_urls": ["${URL}/list.html"]},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    path = tmp / "sources.yaml"
    path.write_text(yaml.safe_dump(SOURCES, allow_unicode=True), encoding="utf-8")
    settings = load_settings(write_config(tmp), env={})
    with LocalServer(HostileHandler) as server:
        sources = load_sources(path, env={"URL": server.url})
        report = crawl(settings, sources, log_level="WARNING")
    stores = open_sqlite_stores(settings.data_dir / "store.sqlite")
    try:
        health = HealthBook(stores.state).all()
    finally:
        stores.close()
    return report, BusReader(settings.data_dir), health


def reasons(health: dict, source: str) -> dict[str, str]:
    return {url.rsplit("/", 1)[-1]: why for url, why in health[source]["recent_errors"]}


def test_good_and_broken_pages_still_become_items(hostile_crawl):
    report, bus, _ = hostile_crawl
    titles = {i["title"]: i for i in bus.items()}
    assert set(titles) == {"定城镇开展环境卫生整治", "龙湖镇通知"}
    assert "请应征青年按时参加体检" in titles["龙湖镇通知"]["text"]


def test_every_bad_url_has_a_reason_in_the_health(hostile_crawl):
    _, _, health = hostile_crawl
    why = reasons(health, "恶意站点")
    assert why["huge.html"].startswith("refused: too large")
    assert "larger than download max size (1048576)" in why["huge.html"]
    assert why["binary.html"].startswith("binary content (image/png")
    assert why["loop2.html"] == "redirect loop: /loop.html → /loop2.html → /loop.html"
    assert why["missing.html"] == "HTTP 404"
    assert why["error.html"] == "HTTP 500"
    assert why["slow.html"].startswith("timeout")
    h = health["恶意站点"]
    assert h["status"] == "ok" and h["total_items"] == 2 and 0.5 < h["error_rate"] < 0.8


def test_an_api_that_changed_its_json_is_reported_per_url(hostile_crawl):
    _, bus, health = hostile_crawl
    why = reasons(health, "改版接口")
    assert why["api.json"] == "no list of records at 'statuses'"
    assert why["api_v2.json"].startswith("record without")
    assert not [i for i in bus.items() if i["source_name"] == "改版接口"]


def test_private_addresses_are_refused_unless_allowed(hostile_crawl):
    _, bus, health = hostile_crawl
    (url, reason), *_ = health["内网地址"]["recent_errors"]
    assert url.endswith("/list.html") and reason.startswith("refused: 127.0.0.1 is a private")
    assert health["内网地址"]["status"] == "failing"
    downs = [f for f in bus.findings() if f["kind"] == "source_down"]
    assert [f["source"] for f in downs] == ["内网地址"]
