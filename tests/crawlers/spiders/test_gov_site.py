"""GovSiteSpider end to end: the demo county portal over real sockets into a real SqliteBus."""

from __future__ import annotations

import re

import pytest

from crawlers.items import canonical_url, item_id
from pipeline.config import load_settings
from pipeline.models import Item, parse_time
from tests.crawlers.conftest import BusReader, crawl, write_config


@pytest.fixture(scope="module")
def gov_crawl(tmp_path_factory, demo_sites):
    from crawlers.sources import load_sources
    from tests.crawlers.conftest import DEMO_SOURCES

    tmp = tmp_path_factory.mktemp("gov")
    settings = load_settings(write_config(tmp), env={})
    sources = [
        s
        for s in load_sources(DEMO_SOURCES, env={"YUQING_DEMO_URL": demo_sites.base_url})
        if s.source_type == "gov_site"
    ]
    report = crawl(settings, sources)
    return report, BusReader(settings.data_dir).items(), demo_sites


def test_every_notice_of_every_list_page_is_crawled(gov_crawl):
    report, items, sites = gov_crawl
    expected = {n.title for n in sites.gov.content.notices}
    assert len(items) == len(expected) == 17 == report.emitted
    assert {i["title"] for i in items} == expected  # page 2 and 3 of the lists were followed
    assert all(
        i["source_name"] == "定安县人民政府网" and i["source_type"] == "gov_site" for i in items
    )


def test_items_are_valid_with_stable_ids_and_site_offsets(gov_crawl):
    _, items, _ = gov_crawl
    for raw in items:
        item = Item.model_validate(raw)
        assert item.id == item_id(canonical_url(item.url))
        assert item.published_at.endswith("+08:00")
        assert parse_time(item.crawled_at).utcoffset() is not None
        assert item.parent_id is None


def test_metadata_block_is_kept_in_extra_and_out_of_the_text(gov_crawl):
    _, items, _ = gov_crawl
    by_title = {i["title"]: i for i in items}
    notice = by_title["定安县防汛防风防旱指挥部关于做好强降雨防御工作的紧急通知"]
    meta = notice["extra"]["metadata"]
    assert meta["文号"] == "定防指〔2025〕12号"
    assert meta["发布机构"] == "定安县防汛防风防旱指挥部"
    assert re.fullmatch(r"00838135-X/\d{4}-\d{5}", meta["索引号"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta["成文日期"])
    assert notice["author"] == "定安县防汛防风防旱指挥部"
    assert notice["extra"]["column"] == "通知公告"
    for item in items:
        for noise in (
            "索引号",
            "成文日期",
            "琼ICP备",
            "网站地图",
            "打印本页",
            "浏览器",
            "您当前的位置",
        ):
            assert noise not in item["text"], (noise, item["title"])


def test_casualty_numbers_survive_cleaning(gov_crawl):
    _, items, _ = gov_crawl
    report = next(i for i in items if "8·3" in i["title"])
    assert "一人死亡、二人受伤" in report["text"]
    assert report["text"].startswith("8月2日22时至3日10时")
