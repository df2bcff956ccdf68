"""The demo message board 定安县12345政务服务便民热线 / 县长信箱: letter lists and letters, each
with the government's published answer (department, date) once it has one.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from crawlers.demo.content import parse_ago
from crawlers.demo.templating import escape


class HotlinePages:
    def __init__(self, raw: dict[str, Any], now: datetime):
        self.site = raw["site"]
        self.page_size = int(raw.get("page_size", 5))
        self.letters = []
        for letter in raw["letters"]:
            at = now - parse_ago(letter["ago"])
            reply = letter.get("reply")
            if reply:
                reply = {**reply, "at": at + parse_ago(reply["after"])}
                if reply["at"] > now:
                    reply = None
            self.letters.append({**letter, "at": at, "reply": reply})
        self.letters.sort(key=lambda x: x["at"], reverse=True)

    def render(self, path: str, query: dict[str, str]) -> str | None:
        try:
            if path in ("/hotline", "/hotline/", "/hotline/list.html"):
                return self.listing(int(query.get("page", "1")))
            if path == "/hotline/letter.html":
                return self.letter(int(query.get("id", "0")))
        except ValueError:
            return None
        return None

    def _layout(self, title: str, main: str) -> str:
        return (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'</head><body><div class="head">{escape(self.site["name"])} · 县长信箱 · 部门信箱</div>'
            f'<div class="crumbs">当前位置：首页 &gt; 互动交流 &gt; 留言选登</div>{main}'
            '<div class="foot">定安县人民政府办公室主办　琼ICP备05001587号-1　'
            "温馨提示：请勿在留言中填写身份证号等个人隐私信息</div></body></html>"
        )

    def listing(self, page: int) -> str | None:
        pages = max(1, math.ceil(len(self.letters) / self.page_size))
        if not 1 <= page <= pages:
            return None
        rows = "".join(
            f'<tr><td class="title"><a href="/hotline/letter.html?id={x["id"]}">'
            f"{escape(x['title'])}</a></td><td>{escape(x['category'])}</td>"
            f"<td>{'已回复' if x['reply'] else '办理中'}</td><td>{x['at']:%Y-%m-%d}</td></tr>"
            for x in self.letters[(page - 1) * self.page_size : page * self.page_size]
        )
        pager = f'<a class="next" href="/hotline/list.html?page={page + 1}">下一页</a>' * (
            page < pages
        )
        main = (
            '<table class="letters"><tr><th>标题</th><th>类别</th><th>状态</th><th>日期</th></tr>'
            f'{rows}</table><div class="pager">第{page}/{pages}页 {pager}</div>'
        )
        return self._layout("留言选登", main)

    def letter(self, letter_id: int) -> str | None:
        x = next((x for x in self.letters if x["id"] == letter_id), None)
        if x is None:
            return None
        reply = x["reply"]
        reply_html = (
            '<div class="reply"><h3>答复内容</h3>'
            f'<p>答复单位：<span class="reply-dept">{escape(reply["dept"])}</span>　'
            f'答复时间：<span class="reply-date">{reply["at"]:%Y-%m-%d %H:%M}</span></p>'
            f'<div class="reply-body"><p>{escape(reply["text"])}</p></div></div>'
            if reply
            else '<div class="reply">正在办理中，请耐心等待。</div>'
        )
        main = (
            f'<div class="letter"><h1 class="letter-title">{escape(x["title"])}</h1>'
            f'<p>留言人：<span class="asker">{escape(x["asker"])}</span>　'
            f'留言时间：<span class="posted">{x["at"]:%Y-%m-%d %H:%M}</span>　'
            f'类别：<span class="category">{escape(x["category"])}</span>　'
            f'状态：<span class="status">{"已回复" if reply else "办理中"}</span></p>'
            f'<div class="letter-body"><p>{escape(x["body"])}</p></div>{reply_html}</div>'
        )
        return self._layout(x["title"], main)
