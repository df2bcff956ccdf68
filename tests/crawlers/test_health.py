"""Source health over real passes: a site that stops answering raises `source_down`, and
`yuqing sources --json` lists every source with its health; the judgement of silent sources."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import yaml
from click.testing import CliRunner

from crawlers.commands import sources as sources_command
from crawlers.health import HealthBook, PassHealth, judge
from crawlers.sources import SourceConfig, load_sources
from pipeline.config import load_settings
from pipeline.storage.sqlite import open_sqlite_stores
from tests.crawlers.conftest import BusReader, crawl, write_config
from tests.crawlers.servers import static_server

SOURCES = {
    "defaults": {"interval": "10m", "download_delay_s": 0, "obey_robots": False, "retries": 0,
                 "timeout_s": 2, "allow_private": True},
    "sources": [{"name": "会停的网站", "spider": "gov_site", "source_type": "gov_site",
                 "start_urls": ["${SITE_URL}/portal2/list.html"],
                 "selectors": {"detail_links": "td.t a::attr(href)", "content": "div.doc-body",
                               "title": "div.doc-head b::text", "link_pattern": "/content/",
                               "next_page": "p.pages a[title]::attr(href)"}}],
}  # fmt: skip


def test_a_site_that_stops_answering_raises_source_down(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(SOURCES, allow_unicode=True), encoding="utf-8")
    config = write_config(tmp_path, sources=str(path))
    settings = load_settings(config, env={})
    server = static_server()
    env = {"SITE_URL": server.url}
    first = crawl(settings, load_sources(path, env=env))
    server.stop()  # the site goes away
    second = crawl(settings, load_sources(path, env=env))
    assert first.emitted == 3 and second.emitted == 0
    downs = [f for f in BusReader(settings.data_dir).findings() if f["kind"] == "source_down"]
    assert len(downs) == 1 and downs[0]["source"] == "会停的网站"
    assert "connection refused" in downs[0]["detail"] and downs[0]["severity"] == "critical"

    result = CliRunner().invoke(
        sources_command,
        ["--json", "--config", str(config), "--data", str(settings.data_dir)],
        env={"SITE_URL": server.url},
    )
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert row["name"] == "会停的网站" and row["status"] == "failing"
    assert row["last_success_at"] and row["last_error"] == "connection refused"
    assert row["error_rate"] > 0 and row["total_items"] == 3
    text = CliRunner().invoke(
        sources_command, ["--config", str(config), "--data", str(settings.data_dir)],
        env={"SITE_URL": server.url},
    )  # fmt: skip
    assert text.output.startswith("failing  会停的网站")


def test_a_source_silent_for_n_intervals_is_down(tmp_path):
    source = SourceConfig(name="s", kind="blog", source_type="blog", start_urls=["http://a"],
                          interval="1h", down_after=3)  # fmt: skip
    stores = open_sqlite_stores(tmp_path / "store.sqlite")
    try:
        book = HealthBook(stores.state)
        t0 = datetime(2025, 9, 1, tzinfo=UTC)
        book.record(source, PassHealth(pages_ok=2, items=5), t0)
        health = book.record(source, PassHealth(pages_ok=2, items=0), t0 + timedelta(hours=2))
        assert health["status"] == "ok" and health["items_per_hour"] == 2.5
        later = book.record(source, PassHealth(pages_ok=2), t0 + timedelta(hours=3, minutes=1))
        assert later["status"] == "silent" and "no item for" in later["why"]
    finally:
        stores.close()
    assert judge(source, None, t0) == ("new", "never crawled")
