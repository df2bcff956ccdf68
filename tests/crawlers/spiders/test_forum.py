"""ForumSpider end to end: threads, replies as child items, metrics, stable ids across crawls."""

from __future__ import annotations

import pytest

from crawlers.clean import clean_title
from crawlers.items import canonical_url, item_id
from crawlers.sources import load_sources
from pipeline.config import load_settings
from pipeline.models import Item
from tests.crawlers.conftest import DEMO_SOURCES, BusReader, crawl, write_config


def forum_sources(sites):
    env = {"YUQING_DEMO_URL": sites.base_url}
    return [s for s in load_sources(DEMO_SOURCES, env=env) if s.source_type == "forum"]


@pytest.fixture(scope="module")
def forum_crawl(tmp_path_factory, demo_sites):
    tmp = tmp_path_factory.mktemp("forum")
    settings = load_settings(write_config(tmp), env={})
    first = crawl(settings, forum_sources(demo_sites))
    items = BusReader(settings.data_dir).items()
    return settings, first, items, demo_sites


def test_threads_and_replies_are_all_crawled(forum_crawl):
    _, report, items, sites = forum_crawl
    threads = sites.forum.content.threads
    replies = sum(len(t.replies) for t in threads)
    assert report.emitted == len(items) == len(threads) + replies == 68
    tops = [i for i in items if i["parent_id"] is None]
    # every board page was followed (titles as stored: simplified characters)
    assert {i["title"] for i in tops} == {clean_title(t.title) for t in threads}
    assert all(Item.model_validate(i).source_type == "forum" for i in items)


def test_replies_point_to_their_thread(forum_crawl):
    _, _, items, sites = forum_crawl
    tops = {i["id"]: i for i in items if i["parent_id"] is None}
    replies = [i for i in items if i["parent_id"] is not None]
    assert len(replies) == 44
    for reply in replies:
        thread = tops[reply["parent_id"]]
        assert reply["url"].startswith(thread["url"] + "#pid")
        assert reply["id"] == item_id(reply["url"])
        assert reply["title"] == "" and reply["extra"]["thread_title"] == thread["title"]
    flood = next(t for t in tops.values() if t["title"].startswith("龙河镇暴雨"))
    flood_replies = [r for r in replies if r["parent_id"] == flood["id"]]
    assert len(flood_replies) == 7  # the thread's second page was followed
    assert {r["extra"]["thread_page"] for r in flood_replies} == {1, 2}


def test_first_posts_carry_metrics_author_and_site_time(forum_crawl):
    _, _, items, sites = forum_crawl
    item = next(i for i in items if i["title"].startswith("紧急扩散！！南扶水库"))
    thread = next(t for t in sites.forum.content.threads if t.tid == 18870)
    assert item["metrics"]["views"] == 21455 and item["metrics"]["replies"] == 3
    assert item["author"] == "热心转发"
    assert item["published_at"] == thread.first.posted.isoformat()
    assert item["url"] == canonical_url(
        f"{sites.base_url}/forum/forum.php?mod=viewthread&tid=18870"
    )
    assert "extra=" not in item["url"] and item["id"] == item_id(item["url"])


def test_post_text_is_clean_and_markup_a_user_typed_stays_literal_text(forum_crawl):
    _, _, items, _ = forum_crawl
    texts = "\n".join(i["text"] for i in items)
    xss = next(i for i in items if "编辑器" in i["title"])
    assert "<script>alert(1)</script>" in xss["text"]
    assert '<iframe src="http://example.invalid/steal"></iframe>' in xss["text"]
    for chrome in ("发表于", "只看该作者", "举报", "Powered by", "人生得意须尽欢", "积分"):
        assert chrome not in texts
    roots = next(i for i in items if not i["parent_id"] and "莫氏" in i["text"])  # traditional
    assert roots["title"] == "海外乡亲寻根：请问定安翰林镇有没有姓莫的宗祠"
    assert "我祖父早年从定安翰林过番到马来西亚" in roots["text"]


def test_personal_data_is_kept_raw_for_the_classify_stage(forum_crawl):
    _, _, items, _ = forum_crawl
    texts = "\n".join(i["text"] for i in items)
    assert "460025197804123319" in texts and "13807561188" in texts


def test_second_crawl_gives_the_same_ids_and_emits_only_changes(forum_crawl, tmp_path):
    settings, _, items, sites = forum_crawl
    again = crawl(settings, forum_sources(sites))
    assert again.emitted == 0 and again.unchanged == 68
    fresh = load_settings(write_config(tmp_path), env={})
    crawl(fresh, forum_sources(sites), track_changes=False)
    assert {i["id"] for i in BusReader(fresh.data_dir).items()} == {i["id"] for i in items}
