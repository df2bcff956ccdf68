"""The demo blog host 椰乡博客: paged post lists and posts (author, time, tags, counters) with
the sidebar and footer chrome a blog template carries.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

from crawlers.demo.content import paragraphs, parse_ago
from crawlers.demo.templating import escape

_LIST = re.compile(r"^/blog/(?:index(?:_(?P<page>\d+))?\.html)?$")
_POST = re.compile(r"^/blog/post/(?P<id>\d+)\.html$")


class BlogPages:
    def __init__(self, raw: dict[str, Any], now: datetime):
        self.site = raw["site"]
        self.page_size = int(raw.get("page_size", 4))
        self.posts = sorted(
            ({**p, "at": now - parse_ago(p["ago"])} for p in raw["posts"]),
            key=lambda p: p["at"],
            reverse=True,
        )

    def render(self, path: str) -> str | None:
        if m := _LIST.match(path):
            return self.listing(int(m["page"] or 1))
        if m := _POST.match(path):
            post = next((p for p in self.posts if p["id"] == int(m["id"])), None)
            return self.post(post) if post else None
        return None

    def _layout(self, title: str, main: str) -> str:
        recent = "".join(
            f'<li><a href="/blog/post/{p["id"]}.html">{escape(p["title"])}</a></li>'
            for p in self.posts[:5]
        )
        return (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)} | '
            f'{escape(self.site["name"])}</title></head><body><header><a href="/blog/">'
            f"{escape(self.site['name'])}</a> 发现 · 话题 · 登录</header><main>{main}</main>"
            f"<aside><h3>最新文章</h3><ul>{recent}</ul><h3>热门标签</h3>定安 旅游 美食</aside>"
            "<footer>Powered by WordPress　© 椰乡博客　琼ICP备12000001号</footer></body></html>"
        )

    def listing(self, page: int) -> str | None:
        pages = max(1, math.ceil(len(self.posts) / self.page_size))
        if not 1 <= page <= pages:
            return None
        rows = "".join(
            f'<article><h2><a href="/blog/post/{p["id"]}.html">{escape(p["title"])}</a></h2>'
            f"<p>{escape(paragraphs(p['body'])[0][:40])}……</p></article>"
            for p in self.posts[(page - 1) * self.page_size : page * self.page_size]
        )
        nxt = f'<a class="next" href="/blog/index_{page + 1}.html">下一页</a>' * (page < pages)
        return self._layout("首页", f"{rows}<nav>{nxt}</nav>")

    def post(self, p: dict[str, Any]) -> str:
        body = "".join(f"<p>{escape(line)}</p>" for line in paragraphs(p["body"]))
        tags = " ".join(f'<a rel="tag" href="/blog/">{escape(t)}</a>' for t in p.get("tags", []))
        main = (
            f'<article><h1 class="entry-title">{escape(p["title"])}</h1>'
            f'<div class="meta"><span class="author">{escape(p["author"])}</span> 发表于 '
            f'<time datetime="{p["at"]:%Y-%m-%d %H:%M}">{p["at"]:%m月%d日}</time> '
            f'阅读 <span class="views">{p["views"]}</span> 评论 '
            f'<span class="comment-count">{p["comments"]}</span></div>'
            f'<div class="entry-content">{body}</div><div class="tags">标签：{tags}</div>'
            '<div class="share">分享到：微信 微博 QQ空间</div></article>'
        )
        return self._layout(p["title"], main)
