"""The new spider kinds on the demo sites: news RSS + articles, comment threads, the 12345
message board with official replies, the Weibo-like API, the blog; and an update between crawls."""

from __future__ import annotations

import logging

import pytest

from crawlers.items import canonical_url, item_id
from crawlers.sources import load_sources
from pipeline.config import load_settings
from tests.crawlers.conftest import DEMO_SOURCES, BusReader, crawl, write_config

NEW_KINDS = {"rss", "news_comment", "message_board", "social_api", "blog"}


def new_sources(sites):
    env = {"YUQING_DEMO_URL": sites.base_url}
    return [s for s in load_sources(DEMO_SOURCES, env=env) if s.spider in NEW_KINDS]


@pytest.fixture(scope="module")
def kinds_crawl(tmp_path_factory, demo_sites):
    settings = load_settings(write_config(tmp_path_factory.mktemp("kinds")), env={})
    report = crawl(settings, new_sources(demo_sites))
    items = BusReader(settings.data_dir).items()
    by_source: dict[str, list[dict]] = {}
    for item in items:
        by_source.setdefault(item["source_name"], []).append(item)
    return report, by_source, demo_sites


def test_every_kind_yields_its_items(kinds_crawl):
    report, by_source, _ = kinds_crawl
    counts = {name: len(items) for name, items in by_source.items()}
    assert counts == {"定安新闻网": 12, "定安新闻网跟帖": 20, "定安县12345热线·县长信箱": 14,
                      "微博·定安": 19, "椰乡博客": 6}  # fmt: skip
    assert report.invalid == 0


def test_news_articles_from_the_feed_and_comments_point_to_them(kinds_crawl):
    _, by_source, sites = kinds_crawl
    articles = {a["id"]: a for a in by_source["定安新闻网"]}
    flood = next(a for a in articles.values() if a["title"].startswith("龙河镇遭遇特大暴雨"))
    assert flood["text"].startswith("8月2日夜间至3日上午") and "责任编辑" not in flood["text"]
    assert flood["author"] == "本网记者 王海燕" and flood["published_at"].endswith("+08:00")
    comments = by_source["定安新闻网跟帖"]
    assert all(c["source_type"] == "news_comment" and c["parent_id"] in articles for c in comments)
    on_flood = [c for c in comments if c["parent_id"] == flood["id"]]
    assert len(on_flood) == 4  # two JSON pages of comments
    reply = next(c for c in on_flood if c["extra"].get("reply_to"))
    assert reply["extra"]["reply_to"] == item_id(f"{flood['url']}#comment-1")


def test_message_board_carries_the_official_reply(kinds_crawl):
    _, by_source, _ = kinds_crawl
    letters = {x["title"]: x for x in by_source["定安县12345热线·县长信箱"]}
    fees = letters["定城镇见龙小区物业费一下涨了一倍"]
    reply = fees["extra"]["official_reply"]
    assert reply["department"] == "定安县住房和城乡建设局"
    assert (
        reply["text"].startswith("您好！物业服务收费调整")
        and reply["published_at"] > fees["published_at"]
    )
    assert "official_reply" not in letters["龙湖镇征收补偿款为什么迟迟不发"]["extra"]
    assert fees["source_type"] == "hotline" and fees["author"] == "见龙小区业主"


def test_weibo_statuses_are_mapped(kinds_crawl):
    _, by_source, sites = kinds_crawl
    posts = {p["id"]: p for p in by_source["微博·定安"]}
    debunk = posts["weibo:4990000000000104"]
    assert debunk["author"] == "定安发布" and debunk["metrics"]["reposts"] == 2100
    assert debunk["extra"]["retweet_of"] == "weibo:4990000000000103"
    assert debunk["url"] == "https://weibo.com/5650001/4990000000000104"
    assert debunk["published_at"].endswith("+08:00")
    assert "weibo:4990000000000190" in posts  # an original only seen as a retweet
    assert all("demo-weibo-token" not in str(p) for p in posts.values())


def test_blog_posts(kinds_crawl):
    _, by_source, _ = kinds_crawl
    post = next(p for p in by_source["椰乡博客"] if "乡村教师" in p["title"])
    assert post["extra"]["tags"] == ["教育", "乡村教师"] and post["metrics"]["views"] == 1530
    assert post["text"].startswith("我在翰林镇教书十二年") and "Powered by" not in post["text"]


def test_a_grown_reply_count_is_re_emitted_as_an_update(tmp_path, caplog):
    from crawlers.demo import serve_demo_sites

    settings = load_settings(write_config(tmp_path), env={})
    with serve_demo_sites() as sites:
        weibo = [s for s in new_sources(sites) if s.spider == "social_api"]
        crawl(settings, weibo)
        sites.publish_updates()
        with caplog.at_level(logging.DEBUG):
            again = crawl(settings, weibo)
    assert (again.emitted, again.updated, again.unchanged) == (1, 1, 18)
    first, update = [i for i in BusReader(settings.data_dir).items()
                     if i["id"] == "weibo:4990000000000106"]  # fmt: skip
    assert (first["metrics"]["replies"], update["metrics"]["replies"]) == (47, 86)
    assert update["crawled_at"] == first["crawled_at"] and update["updated_at"]


def test_rss_item_ids_are_canonical_urls(kinds_crawl):
    _, by_source, _ = kinds_crawl
    for article in by_source["定安新闻网"]:
        assert article["id"] == item_id(canonical_url(article["url"]))
