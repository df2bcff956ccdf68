"""A new site of a known kind by YAML alone: fixture sites written apart from the spiders (a
second portal with other markup and XPath rules, a GBK page declaring utf-8, a JSON-paged
forum), served as static files by a local http.server and configured only in sites/sources.yaml.
"""

from __future__ import annotations

import pytest

from crawlers.sources import load_sources
from pipeline.config import load_settings
from pipeline.models import Item
from tests.crawlers.conftest import BusReader, crawl, write_config
from tests.crawlers.servers import SITES, static_server


@pytest.fixture(scope="module")
def yaml_crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("yamlsites")
    with static_server() as server:
        sources = load_sources(SITES / "sources.yaml", env={"SITE_URL": server.url})
        settings = load_settings(write_config(tmp), env={})
        report = crawl(settings, sources)
    items = BusReader(settings.data_dir).items()
    return report, {i["title"] or i["text"][:12]: i for i in items}, items


def test_second_portal_by_xpath_rules_and_pagination(yaml_crawl):
    report, by_title, items = yaml_crawl
    portal = [i for i in items if i["source_name"] == "龙门镇人民政府网"]
    assert len(portal) == 3  # page 2 followed; the ad link filtered out by link_pattern
    notice = by_title["龙门镇关于做好秋季森林防火工作的通知"]
    assert notice["published_at"] == "2025-09-02T09:30:00+08:00"
    assert notice["text"].startswith("各村（居）委会、镇直各单位：")
    assert "严禁烧荒" in notice["text"] and "打印本页" not in notice["text"]
    assert all(Item.model_validate(i) for i in items)


def test_gbk_page_declaring_utf8_is_decoded(yaml_crawl):
    _, by_title, _ = yaml_crawl
    page = by_title["龙门镇关于公布2025年度耕地地力保护补贴发放名单的公示"]
    assert "补贴标准为每亩一百零五元" in page["text"]
    assert "\ufffd" not in page["text"] and page["published_at"].startswith("2025-08-20")


def test_json_forum_pages_and_replies(yaml_crawl):
    _, by_title, items = yaml_crawl
    forum = [i for i in items if i["source_name"] == "定安圈"]
    assert len(forum) == 6  # 3 threads over 2 JSON pages + 3 replies
    thread = by_title["新竹镇菜市场门口天天堵车，能不能管管"]
    assert thread["id"] == "dinganquan:t-9001" and thread["source_type"] == "forum"
    assert thread["metrics"]["views"] == 870 and thread["author"] == "新竹阿伯"
    replies = [i for i in forum if i["parent_id"] == thread["id"]]
    assert len(replies) == 2 and replies[0]["url"].startswith("https://quan.example.invalid/")
