"""Markup a user typed is content: "<script>alert(1)</script>" written in a forum post, a Weibo
status or quoted in a news story (escaped in the page: "&lt;script&gt;") stays in the text as
those characters, while the page's own tags, scripts and styles are removed; a JSON export of
plain text (`text_format: text`) is not read as HTML at all. The web shows the text escaped
(Jinja autoescape). Fixtures: sites/markup, cleaned alone and crawled for real."""

from __future__ import annotations

import json

import parsel
import pytest

from crawlers.clean import clean_fragment, clean_html
from crawlers.sources import load_sources
from pipeline.config import load_settings
from tests.crawlers.conftest import BusReader, crawl, write_config
from tests.crawlers.servers import SITES, static_server

MARKUP = SITES / "markup"
FORUM_POST = [
    "发帖测试：",
    "<b>加粗</b>",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(document.cookie)>",
    "<!-- 注释 --> 和 a &lt; b",  # the user typed the entity itself: it stays an entity
    "真的粗体不该出现标签，红字也是。",  # real <b> and <font> tags: gone, their words kept
]
FORUM_REPLY = "<<定安县志>>里也这么写，x<y 不是标签。"
WEIBO = ["<script>alert(1)</script> 这是我在 @定安发布 评论区看到的\n1<2 也会被吞吗？",
         "<b>停水</b>三天了"]  # fmt: skip
EXPORT = "有人在业主群里发 <script>alert(1)</script> 说是测试，\n还有 A<B 和 <b>加粗</b> 这种写法。"
NEWS = [
    "9月15日，县委网信办在定城中学开展网络安全宣传周进校园活动，200余名师生参加。",
    "讲座中，工作人员演示了一段常见的攻击代码 <script>alert(1)</script>，"
    "并讲解网站为何要把用户输入的 <b> 这类标签转义成文字显示。",
    '<iframe src="http://phish.example">',
    "工作人员提醒，看到 a &lt; b 这样的“实体”不必惊慌，它只是字符 &amp; 的写法。"
    "真正的加粗不会留下标签。",
    "活动还设置了有奖问答环节，同学们踊跃参与，现场气氛热烈。",
]


def test_a_forum_post_keeps_the_markup_its_author_typed() -> None:
    page = parsel.Selector((MARKUP / "thread-7001-1-1.html").read_text(encoding="utf-8"))
    post, reply = (clean_fragment(m).text for m in page.css("td.t_f").getall())
    assert post.splitlines() == FORUM_POST
    assert "document.write" not in post and "广告" not in post  # the page's own script
    assert reply == FORUM_REPLY


def test_a_weibo_status_keeps_escaped_markup_and_drops_its_links_tags() -> None:
    statuses = json.loads((MARKUP / "weibo.json").read_text(encoding="utf-8"))["statuses"]
    assert [clean_fragment(s["text"]).text for s in statuses] == WEIBO


def test_a_news_page_keeps_quoted_markup_as_text() -> None:
    result = clean_html((MARKUP / "news_1.html").read_bytes())
    assert result.text.splitlines() == NEWS
    for chrome in ("统计", "_hmt", "text-indent", "版权所有", "当前位置"):
        assert chrome not in result.text, chrome


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>&lt;b&gt;加粗&lt;/b&gt;</p>", "<b>加粗</b>"),  # short lines: not a breadcrumb
        ("<p>x&lt;script&gt;alert(1)&lt;/script&gt;y</p>", "x<script>alert(1)</script>y"),
        ("<p>&amp;lt;p&amp;gt; 与 &#38;amp; 和 &#x26;gt;</p>", "&lt;p&gt; 与 &amp; 和 &gt;"),
        ("<p>R&amp;D 部门 AT&T</p>", "R&D 部门 AT&T"),
    ],
)
def test_escaped_markup_is_decoded_exactly_once(html: str, text: str) -> None:
    page = f"<html><head><title>帖子</title></head><body><article>{html}</article></body></html>"
    assert clean_html(page).text == text
    assert clean_fragment(html).text == text


def test_a_page_holding_the_mark_character_itself_keeps_it() -> None:
    page = "<html><body><article><p>占位符\ufffc，R&amp;D</p></article></body></html>"
    assert clean_html(page).text == "占位符\ufffc，R&D"


def test_real_tags_scripts_and_styles_are_still_removed() -> None:
    page = (
        "<html><head><style>p{color:red}</style></head><body><article>"
        "<p>第一段：县里停水三天了，大家都很着急，希望尽快解决。</p>"
        "<p>定安县<b>龙湖镇</b>停水<script>evil()</script>三天，<i>村民</i>反映问题。</p>"
        "<noscript>请开启脚本</noscript><p>最后一段：希望有关部门尽快回应。</p>"
        "</article></body></html>"
    )
    assert clean_html(page).text.splitlines() == [
        "第一段：县里停水三天了，大家都很着急，希望尽快解决。",
        "定安县龙湖镇停水三天，村民反映问题。",
        "最后一段：希望有关部门尽快回应。",
    ]


@pytest.fixture(scope="module")
def markup_items(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    tmp = tmp_path_factory.mktemp("markup")
    base = {"interval": "10m", "download_delay_s": 0, "allow_private": True,
            "obey_robots": False, "retries": 0}  # fmt: skip
    sources = [
        {**base, "name": "论坛", "spider": "forum", "source_type": "forum",
         "start_urls": ["${SITE_URL}/markup/board.html"]},
        {**base, "name": "微博", "spider": "social_api", "source_type": "weibo",
         "start_urls": ["${SITE_URL}/markup/weibo.json"], "selectors": {"preset": "weibo"}},
        {**base, "name": "新闻网", "spider": "gov_site", "source_type": "news",
         "start_urls": ["${SITE_URL}/markup/list.html"]},
        {**base, "name": "舆情导出", "spider": "social_api", "source_type": "wechat",
         "start_urls": ["${SITE_URL}/markup/export.json"],
         "selectors": {"preset": "vendor_export", "text_format": "text"}},
    ]  # fmt: skip
    path = tmp / "sources.yaml"
    path.write_text(json.dumps({"sources": sources}, ensure_ascii=False), encoding="utf-8")
    settings = load_settings(write_config(tmp), env={})
    with static_server() as server:
        crawl(settings, load_sources(path, env={"SITE_URL": server.url}))
    by_source: dict[str, list[dict]] = {}
    for item in BusReader(settings.data_dir).items():
        by_source.setdefault(item["source_name"], []).append(item)
    return by_source


def test_crawled_items_carry_the_typed_markup(markup_items) -> None:
    forum = sorted(markup_items["论坛"], key=lambda i: i["extra"]["post_id"])
    assert [i["text"] for i in forum] == ["\n".join(FORUM_POST), FORUM_REPLY]
    assert forum[0]["title"] == "论坛编辑器吞字？我贴的 <b> 标签"
    weibo = sorted(markup_items["微博"], key=lambda i: i["id"])
    assert [i["text"] for i in weibo] == WEIBO
    (news,) = markup_items["新闻网"]
    assert news["text"].splitlines() == NEWS
    (export,) = markup_items["舆情导出"]  # plain text: "<" is what the user typed
    assert export["text"] == EXPORT and export["title"] == "群聊截图：有人发 <script> 代码"
