"""The demo news site 定安新闻网: an RSS feed, an article list, article pages with the usual
chrome, and comment threads (新闻跟帖) served as JSON the way news sites load them.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from crawlers.demo.content import paragraphs, parse_ago
from crawlers.demo.templating import escape

COMMENTS_PER_PAGE = 3
_ARTICLE = re.compile(r"^/news/\d{6}/(?P<id>\d+)\.html$")


class NewsSitePages:
    """Renders /news/… for a path and query; None when there is no such page."""

    def __init__(self, raw: dict[str, Any], now: datetime):
        self.site = raw["site"]
        self.now = now
        self.articles = sorted(
            (
                {**a, "at": now - parse_ago(a["ago"]), "body": paragraphs(a["body"])}
                for a in raw["articles"]
            ),
            key=lambda a: a["at"],
            reverse=True,
        )

    def path(self, a: dict[str, Any]) -> str:
        return f"/news/{a['at']:%Y%m}/{a['id']}.html"

    def render(self, path: str, query: dict[str, str]) -> tuple[str, str] | None:
        if path in ("/news", "/news/", "/news/index.html"):
            return self.index(), "text/html; charset=utf-8"
        if path == "/news/rss.xml":
            return self.rss(), "application/rss+xml; charset=utf-8"
        if path == "/news/api/comments":
            body = self.comments(query.get("article", ""), query.get("page", "1"))
            return (body, "application/json; charset=utf-8") if body else None
        if m := _ARTICLE.match(path):
            a = next((a for a in self.articles if str(a["id"]) == m["id"]), None)
            if a is not None and self.path(a) == path:
                return self.article(a), "text/html; charset=utf-8"
        return None

    def _layout(self, title: str, main: str) -> str:
        return (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)} - '
            f"{escape(self.site['name'])}</title></head><body>"
            f'<div class="topnav"><a href="/news/">首页</a> <a href="/news/">时政</a> '
            f'<a href="/news/">民生</a> <a href="/news/">视频</a> <a href="/news/rss.xml">RSS</a></div>'
            f'<div class="container">{main}</div>'
            f'<div class="footer"><a href="/news/">关于我们</a> | <a href="/news/">联系我们</a> | '
            f"违法和不良信息举报电话：0898-63800000<br>{escape(self.site['icp'])} 版权所有 © "
            f"{escape(self.site['name'])}</div></body></html>"
        )

    def index(self) -> str:
        rows = "".join(
            f'<li><a href="{escape(self.path(a))}">{escape(a["title"])}</a>'
            f"<span>{a['at']:%m-%d %H:%M}</span></li>"
            for a in self.articles
        )
        return self._layout("首页", f'<ul class="news-list">{rows}</ul>')

    def article(self, a: dict[str, Any]) -> str:
        body = "".join(f"<p>{escape(line)}</p>" for line in a["body"])
        related = "".join(
            f'<li><a href="{escape(self.path(r))}">{escape(r["title"])}</a></li>'
            for r in self.articles[:4]
            if r is not a
        )
        main = (
            f'<div class="article"><h1>{escape(a["title"])}</h1>'
            f'<div class="info">来源：{escape(self.site["name"])}　作者：{escape(a["author"])}　'
            f'<span class="time">{a["at"]:%Y-%m-%d %H:%M}</span></div>'
            f'<div class="article-body">{body}</div>'
            f'<div class="editor">责任编辑：符小燕</div></div>'
            f'<div class="comment-box" data-article="{a["id"]}">网友评论加载中……</div>'
            f'<div class="related"><h3>相关阅读</h3><ul>{related}</ul></div>'
        )
        return self._layout(a["title"], main)

    def rss(self) -> str:
        items = "".join(
            f"<item><title>{escape(a['title'])}</title>"
            f"<link>{escape(self.path(a))}</link>"
            f"<guid>{a['id']}</guid><author>{escape(a['author'])}</author>"
            f"<pubDate>{format_datetime(a['at'])}</pubDate>"
            f"<description>{escape(a['body'][0][:60])}</description></item>"
            for a in self.articles
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{escape(self.site['name'])}</title><link>/news/</link>"
            f"<description>定安本地新闻</description>{items}</channel></rss>"
        )

    def comments(self, article_id: str, page_text: str) -> str | None:
        a = next((a for a in self.articles if str(a["id"]) == article_id), None)
        if a is None or not page_text.isdigit():
            return None
        comments = sorted(a.get("comments") or [], key=lambda c: parse_ago(c["ago"]), reverse=True)
        page = max(1, int(page_text))
        pages = max(1, math.ceil(len(comments) / COMMENTS_PER_PAGE))
        chunk = comments[(page - 1) * COMMENTS_PER_PAGE : page * COMMENTS_PER_PAGE]
        data = [
            {
                "cid": c["cid"],
                "content": c["text"],
                "ctime": int((self.now - parse_ago(c["ago"])).timestamp()),
                "likes": c.get("likes", 0),
                "reply_to": c.get("reply_to"),
                "user": {"nick": c["user"], "location": "海南"},
            }
            for c in chunk
        ]
        return json.dumps(
            {"code": 0, "data": {"comments": data, "page": page, "has_more": page < pages}},
            ensure_ascii=False,
        )
