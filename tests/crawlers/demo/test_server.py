"""The demo sites: real pages on a real socket, content enough for every key-response category."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections import Counter

import pytest

from crawlers.demo.content import load_forum, load_gov, parse_ago


def get(sites, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(sites.base_url + path) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, ""


def test_pages_and_pagination(demo_sites):
    assert get(demo_sites, "/gov/tzgg/index.html")[0] == 200
    status, page = get(demo_sites, "/gov/tzgg/index_2.html")  # the third list page
    assert status == 200 and "上一页" in page and "下一页" not in page
    status, index = get(demo_sites, "/forum/forum.php")
    assert status == 200 and "mod=forumdisplay&amp;fid=36" in index
    status, thread = get(demo_sites, "/forum/forum.php?mod=viewthread&tid=18853&page=2")
    assert status == 200 and "南渡江" not in thread and "安置点" in thread
    assert get(demo_sites, "/forum/forum.php?mod=viewthread&tid=1")[0] == 404
    assert get(demo_sites, "/gov/tzgg/index_9.html")[0] == 404
    status, robots = get(demo_sites, "/robots.txt")
    assert status == 200 and "Allow: /" in robots


def test_portal_boilerplate_is_there_to_be_removed(demo_sites):
    notice = demo_sites.gov.content.notices[0]
    status, page = get(demo_sites, notice.path())
    assert status == 200
    for part in (
        "琼ICP备",
        "网站地图",
        "联系我们",
        "浏览器",
        "索引号",
        "发布机构",
        "成文日期",
        "您当前的位置",
    ):
        assert part in page


def test_user_markup_is_escaped(demo_sites):
    _, page = get(demo_sites, "/forum/forum.php?mod=viewthread&tid=18899")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert "&lt;iframe" in page and "<iframe" not in page


def test_content_covers_every_category_and_enough_items(demo_sites):
    gov, forum = demo_sites.gov.content, demo_sites.forum.content
    total = len(gov.notices) + sum(len(t.posts) for t in forum.threads)
    assert total >= 45
    intents = Counter(n.intent for n in gov.notices) + Counter(t.intent for t in forum.threads)
    for category in (
        "policy_misread",
        "public_interest",
        "moral_bottom_line",
        "emergency",
        "rumor",
    ):
        assert intents[category] >= 3, category
    assert intents["irrelevant"] >= 5 and intents["ordinary"] >= 5


def test_times_are_relative_to_the_server_start(demo_sites):
    assert parse_ago("2d3h").total_seconds() == 2 * 86400 + 3 * 3600
    with pytest.raises(ValueError):
        parse_ago("soon")
    now = demo_sites.now
    assert max(n.published for n in load_gov(now).notices) < now
    assert all(p.posted < now for t in load_forum(now).threads for p in t.posts)
