"""The sources file: env expansion, durations, and errors that name the file and the key."""

from __future__ import annotations

import pytest

from crawlers.items import canonical_url, parse_local_time, to_int
from crawlers.sources import load_sources, parse_duration
from crawlers.spiders import spider_class
from pipeline.config import ConfigError
from tests.crawlers.conftest import DEMO_SOURCES


def test_demo_sources_expand_the_demo_url():
    sources = load_sources(DEMO_SOURCES, env={"YUQING_DEMO_URL": "http://127.0.0.1:9"})
    assert [s.name for s in sources][:2] == ["定安县人民政府网", "定安论坛"] and len(sources) == 7
    gov, forum = sources[:2]
    assert gov.start_urls[0] == "http://127.0.0.1:9/gov/tzgg/index.html"
    assert (gov.interval_s, forum.interval_s) == (600, 300)
    assert gov.download_delay_s == 0 and gov.obey_robots
    assert (
        spider_class(gov.spider).name == "gov_site" and spider_class(forum.spider).name == "forum"
    )


def test_missing_environment_variable_is_named():
    with pytest.raises(ConfigError, match="YUQING_DEMO_URL is not set"):
        load_sources(DEMO_SOURCES, env={})


def test_bad_source_names_file_source_and_key(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "sources:\n  - name: x\n    spider: forum\n    source_type: blogg\n    start_urls: [http://a]\n"
        "    colour: red\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_sources(path)
    assert "sources[0] (x)" in str(err.value) and "source_type" in str(err.value)
    assert "colour: unknown key" in str(err.value)


def test_unknown_spider_kind():
    with pytest.raises(ConfigError, match="no spider kind 'weibo_app'"):
        spider_class("weibo_app")


def test_helpers():
    assert (
        parse_duration("10m") == 600 and parse_duration(30) == 30 and parse_duration("1h") == 3600
    )
    assert (
        canonical_url("HTTP://Example.COM:80/a?b=2&utm_source=x&a=1#frag")
        == "http://example.com/a?a=1&b=2"
    )
    assert (
        canonical_url("http://h/f.php?tid=1&extra=page%3D2&page=3", ["extra", "page"])
        == "http://h/f.php?tid=1"
    )
    assert parse_local_time("发表于 2025-8-3 10:12") == "2025-08-03T10:12:00+08:00"
    assert parse_local_time("2024年06月20日") == "2024-06-20T00:00:00+08:00"
    assert parse_local_time("no date") is None
    assert (to_int("3,421"), to_int("1.2万"), to_int("")) == (3421, 12000, None)
