"""The demo forum 定安论坛: Discuz!-style index, board lists and threads with replies.

URLs follow Discuz! X3 (`forum.php?mod=forumdisplay&fid=2&page=2`,
`forum.php?mod=viewthread&tid=18801&extra=page%3D1&page=2`), so a spider written for it
meets the same query noise (extra=…) a real board shows.
"""

from __future__ import annotations

import math
import zlib
from datetime import datetime
from urllib.parse import quote

from crawlers.demo.content import ForumContent, Post, Thread
from crawlers.demo.templating import Markup, escape, lines_html, pager, render

THREADS_PER_PAGE = 6
POSTS_PER_PAGE = 5
FLOORS = ("楼主", "沙发", "板凳", "地板")
SIGNATURES = ("爱定安，爱生活", "人生得意须尽欢", "", "定安是我家，文明靠大家", "")


def discuz_time(dt: datetime) -> str:
    return f"{dt.year}-{dt.month}-{dt.day} {dt.hour:02d}:{dt.minute:02d}"


def board_url(fid: int, page: int = 1) -> str:
    url = f"/forum/forum.php?mod=forumdisplay&fid={fid}"
    return url if page == 1 else f"{url}&page={page}"


def thread_url(tid: int, page: int = 1, list_page: int = 1) -> str:
    url = f"/forum/forum.php?mod=viewthread&tid={tid}&extra=page%3D{list_page}"
    return url if page == 1 else f"{url}&page={page}"


class DiscuzForumPages:
    """Renders forum.php for a query; None when there is no such page."""

    def __init__(self, content: ForumContent, now: datetime):
        self.content = content
        self.now = now

    def render(self, query: dict[str, str]) -> str | None:
        mod = query.get("mod", "index")
        try:
            page = max(1, int(query.get("page", "1")))
            if mod == "index":
                return self.index()
            if mod == "forumdisplay":
                return self.board_page(int(query["fid"]), page)
            if mod == "viewthread":
                return self.thread_page(int(query["tid"]), page)
        except (KeyError, ValueError):
            return None
        return None

    def _layout(self, page_title: str, crumbs: Markup, main: Markup) -> str:
        forum = self.content.forum
        return render(
            "forum_layout.html",
            page_title=page_title,
            forum_name=forum["name"],
            slogan=forum["slogan"],
            icp=forum["icp"],
            crumbs=crumbs,
            main=main,
            now=discuz_time(self.now),
        )

    def _today(self, threads: list[Thread]) -> int:
        return sum(1 for t in threads for p in t.posts if p.posted.date() == self.now.date())

    def index(self) -> str:
        rows = []
        for b in self.content.boards:
            threads = self.content.in_board(b["fid"])
            rows.append(
                f'<tr><td class="fl_g"><h2><a class="board-link" href="{escape(board_url(b["fid"]))}">'
                f'{escape(b["name"])}</a></h2><p class="xg2">{escape(b["description"])}</p></td>'
                f'<td class="fl_i"><span class="xi2">{len(threads)}</span> / '
                f"{sum(len(t.posts) for t in threads)}</td></tr>"
            )
        main = render(
            "forum_index.html",
            today_count=self._today(self.content.threads),
            post_count=sum(len(t.posts) for t in self.content.threads),
            rows=Markup("\n".join(rows)),
        )
        return self._layout("论坛", Markup("论坛"), main)

    def board_page(self, fid: int, page: int) -> str | None:
        board = self.content.board(fid)
        if board is None:
            return None
        threads = self.content.in_board(fid)
        pages = max(1, math.ceil(len(threads) / THREADS_PER_PAGE))
        if page > pages:
            return None
        rows = []
        for t in threads[(page - 1) * THREADS_PER_PAGE : page * THREADS_PER_PAGE]:
            last = t.posts[-1]
            rows.append(
                f'<tbody id="normalthread_{t.tid}"><tr><td class="icn"></td><th class="common">'
                f'<a href="{escape(thread_url(t.tid, 1, page))}" class="s xst">{escape(t.title)}</a></th>'
                f'<td class="by"><cite>{escape(t.first.author)}</cite><em><span>'
                f"{t.first.posted:%Y-%m-%d}</span></em></td>"
                f'<td class="num"><a class="xi2">{len(t.replies)}</a><em>{t.views}</em></td>'
                f'<td class="by"><cite>{escape(last.author)}</cite><em>{discuz_time(last.posted)}</em></td>'
                f"</tr></tbody>"
            )
        main = render(
            "forum_list.html",
            board_url=board_url(fid),
            board_name=board["name"],
            board_desc=board["description"],
            today_count=self._today(threads),
            thread_count=len(threads),
            fid=fid,
            rows=Markup("\n".join(rows)),
            pager=pager(page, pages, lambda n: board_url(fid, n), "上一页", "下一页", "nxt"),
        )
        return self._layout(board["name"], self._crumb(fid), main)

    def _crumb(self, fid: int) -> Markup:
        board = self.content.board(fid) or {"name": ""}
        return Markup(f'<a href="{escape(board_url(fid))}">{escape(board["name"])}</a>')

    def _post_html(self, t: Thread, post: Post, floor: int) -> Markup:
        seed = zlib.crc32(post.author.encode("utf-8"))
        return render(
            "forum_post.html",
            pid=post.pid,
            author=post.author,
            author_q=quote(post.author),
            author_threads=seed % 40 + 1,
            author_points=seed % 3000 + 12,
            thread_url=thread_url(t.tid),
            floor=FLOORS[floor] if floor < len(FLOORS) else f"{floor + 1}#",
            posted=discuz_time(post.posted),
            message=lines_html(post.body),
            signature=SIGNATURES[seed % len(SIGNATURES)],
        )

    def thread_page(self, tid: int, page: int) -> str | None:
        t = self.content.thread(tid)
        if t is None:
            return None
        pages = max(1, math.ceil(len(t.posts) / POSTS_PER_PAGE))
        if page > pages:
            return None
        start = (page - 1) * POSTS_PER_PAGE
        posts = Markup(
            "\n".join(
                self._post_html(t, p, start + i)
                for i, p in enumerate(t.posts[start : start + POSTS_PER_PAGE])
            )
        )
        main = render(
            "forum_thread.html",
            pager=pager(page, pages, lambda n: thread_url(tid, n), "上一页", "下一页", "nxt"),
            board_url=board_url(t.fid),
            views=t.views,
            reply_count=len(t.replies),
            title=t.title,
            thread_url=thread_url(tid),
            posts=posts,
        )
        crumbs = Markup(f"{self._crumb(t.fid)} <em>›</em> {escape(t.title)}")
        return self._layout(t.title, crumbs, main)
