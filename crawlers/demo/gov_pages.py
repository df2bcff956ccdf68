"""The demo county portal 定安县人民政府: TRS-style column lists and notice pages.

Lists paginate as real portals do (index.html, index_1.html, …); a notice page carries the
metadata block (索引号/发布机构/成文日期/文号) and the portal's boilerplate around the text.
"""

from __future__ import annotations

import math
import re
from datetime import datetime

from crawlers.demo.content import GovContent, Notice
from crawlers.demo.templating import Markup, escape, pager, paragraphs_html, render

SEO_SPAM = "无码毛片 黄片在线观看 成人视频 一级片免费看 av在线 特黄大片"
_PINYIN = {"縣": "xiàn", "網": "wǎng", "動": "dòng", "鄉": "xiāng", "演": "yǎn"}
_LIST = re.compile(r"^/gov/(?P<col>\w+)/index(?:_(?P<page>\d+))?\.html$")
_DETAIL = re.compile(r"^/gov/(?P<col>\w+)/\d{6}/t\d{8}_(?P<doc>\d+)\.html$")


class GovPortalPages:
    """Renders the pages of the portal for a path; None when there is no such page."""

    def __init__(self, content: GovContent, now: datetime):
        self.content = content
        self.now = now

    def render(self, path: str) -> str | None:
        if path in ("/gov", "/gov/", "/gov/index.html"):
            return self.home()
        if m := _LIST.match(path):
            return self.column_page(m["col"], int(m["page"] or 0) + 1)
        if m := _DETAIL.match(path):
            notice = next((n for n in self.content.notices if n.doc == int(m["doc"])), None)
            if notice and notice.column == m["col"] and notice.path() == path:
                return self.notice_page(notice)
        return None

    @staticmethod
    def list_url(col: str, page: int) -> str:
        return f"/gov/{col}/index.html" if page == 1 else f"/gov/{col}/index_{page - 1}.html"

    def _layout(self, page_title: str, col: str, main: Markup) -> str:
        site = self.content.site
        return render(
            "gov_layout.html",
            page_title=page_title,
            site_name=site["name"],
            column=self.content.columns[col],
            column_url=self.list_url(col, 1),
            today=f"{self.now:%Y年%m月%d日}",
            main=main,
            host_org=site["host_org"],
            address=site["address"],
            phone=site["phone"],
            icp=site["icp"],
            police_record=site["police_record"],
            site_code=site["site_code"],
        )

    def _rows(self, notices: list[Notice]) -> Markup:
        return Markup(
            "\n".join(
                f'    <li><a href="{escape(n.path())}" title="{escape(n.title)}" target="_blank">'
                f'{escape(n.title)}</a><span class="date">{n.published:%Y-%m-%d}</span></li>'
                for n in notices
            )
        )

    def home(self) -> str:
        latest = sorted(self.content.notices, key=lambda n: n.published, reverse=True)[:8]
        return self._layout(
            "首页", "tzgg", Markup(f'<ul class="news-list">{self._rows(latest)}</ul>')
        )

    def column_page(self, col: str, page: int) -> str | None:
        if col not in self.content.columns:
            return None
        notices = self.content.in_column(col)
        size = self.content.page_size
        pages = max(1, math.ceil(len(notices) / size))
        if page > pages:
            return None
        links = Markup(
            "".join(
                f'<li><a href="{escape(self.list_url(code, 1))}">{escape(name)}</a></li>'
                for code, name in self.content.columns.items()
            )
        )
        main = render(
            "gov_list.html",
            column=self.content.columns[col],
            column_links=links,
            rows=self._rows(notices[(page - 1) * size : page * size]),
            pager=pager(page, pages, lambda n: self.list_url(col, n), "上一页", "下一页", "next"),
        )
        return self._layout(self.content.columns[col], col, main)

    def notice_page(self, n: Notice) -> str:
        if n.traditional:
            n = converted(n)
        body = [SEO_SPAM, *n.body] if n.tampered else n.body
        written = n.published.replace(hour=0, minute=0)
        main = render(
            "gov_detail.html",
            index_no=f"{self.content.site['index_prefix']}/{n.published:%Y}-{n.doc % 100000:05d}",
            topic="综合政务/通知公告" if n.column == "tzgg" else "综合政务/政务动态",
            publisher=n.publisher,
            written=f"{written:%Y-%m-%d}",
            doc_no=n.doc_no,
            published_date=f"{n.published:%Y-%m-%d}",
            published_time=f"{n.published:%Y-%m-%d %H:%M}",
            title=n.title,
            hits=100 + n.doc % 997,
            body=paragraphs_html(body, style="text-indent:2em;"),
            column_url=self.list_url(n.column, 1),
        )
        return self._layout(n.title, n.column, main)


def converted(n: Notice) -> Notice:
    """The notice as a simplified→traditional site converter shows it: traditional
    characters, pinyin after some of them ("縣(xiàn)"), and doubled punctuation ",、"."""
    from dataclasses import replace

    import opencc

    s2t = opencc.OpenCC("s2t")

    def noisy(text: str) -> str:
        text = s2t.convert(text)
        for char, pinyin in _PINYIN.items():
            text = text.replace(char, f"{char}({pinyin})", 1)
        return text.replace("、", ",、", 1)

    return replace(n, title=s2t.convert(n.title), body=[noisy(line) for line in n.body])
