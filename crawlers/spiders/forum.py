"""ForumSpider: a forum's boards → thread lists → threads: the first post and its replies.

The first post is the thread's item (title, views, replies); each reply is a child item whose
`parent_id` is the thread's id and whose URL is the thread's canonical URL plus `#pid…`.
Defaults fit Discuz! X (the software most Chinese local forums run).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict
from scrapy.http import Response

from crawlers.clean import clean_fragment, clean_title
from crawlers.items import canonical_url, item_id, parse_local_time, query_param, to_int
from crawlers.select import all_values, first_text, select
from crawlers.spiders.base import SourceSpider


class ForumSelectors(BaseModel):
    model_config = ConfigDict(extra="forbid")

    board_links: str = "a.board-link::attr(href)"
    thread_links: str = "tbody[id^=normalthread] a.xst::attr(href)"
    next_page: str = "div.pg a.nxt::attr(href), div.pgs a.nxt::attr(href)"
    thread_title: str = "#thread_subject::text"
    views: str = "span.views::text"
    replies: str = "span.replies::text"
    post: str = "#postlist div.post"
    post_id: str = "::attr(id)"
    author: str = ".authi a.xw1::text"
    posted: str = "em[id^=authorposton]::text"
    message: str = "td.t_f"
    # Query parameters that do not change a page (Discuz's list-position `extra`) and those
    # that only page through one thread (`page`): dropped from ids.
    noise_params: str = "extra"
    page_params: str = "page"


class ForumSpider(SourceSpider):
    name = "forum"
    Selectors = ForumSelectors

    @property
    def noise_params(self) -> list[str]:
        return self.selectors.noise_params.split()

    def thread_url(self, url: str) -> str:
        """The canonical URL of the thread a (paged) thread URL belongs to."""
        return canonical_url(url, [*self.noise_params, *self.selectors.page_params.split()])

    def parse_start(self, response: Response):
        yield from self.parse_listing(response, page=1)

    def parse_listing(self, response: Response, page: int):
        """An index (links to boards) or a board (links to threads); follows both."""
        sel = self.selectors
        for href in all_values(response, sel.board_links):
            yield self.follow(response, href, self.parse_listing, cb_kwargs={"page": 1})
        for href in all_values(response, sel.thread_links):
            url = canonical_url(response.urljoin(href), self.noise_params)
            yield self.request(url, self.parse_thread)
        next_href = first_text(response, sel.next_page)
        if next_href and page < self.source.max_pages:
            url = canonical_url(response.urljoin(next_href), self.noise_params)
            yield self.request(url, self.parse_listing, cb_kwargs={"page": page + 1})

    def parse_thread(self, response: Response):
        sel = self.selectors
        thread_url = self.thread_url(response.url)
        thread_id = item_id(thread_url)
        title = clean_title(first_text(response, sel.thread_title))
        page = to_int(query_param(response.url, sel.page_params.split()[0], "1")) or 1
        for index, post in enumerate(select(response, sel.post)):
            pid = "".join(re.findall(r"\d+", first_text(post, sel.post_id)))
            message = select(post, sel.message).get()
            if not pid or message is None:
                continue
            text = clean_fragment(message).text
            is_first = page == 1 and index == 0
            url = thread_url if is_first else f"{thread_url}#pid{pid}"
            published = parse_local_time(first_text(post, sel.posted), self.source.timezone)
            item = self.base_item(url, item_id(url), text, published)
            item["author"] = first_text(post, sel.author) or None
            item["extra"].update({"post_id": pid, "thread_page": page})
            if is_first:
                item["title"] = title
                item["metrics"] = {
                    "views": to_int(first_text(response, sel.views)),
                    "replies": to_int(first_text(response, sel.replies)),
                }
            else:
                item["parent_id"] = thread_id
                item["extra"]["thread_title"] = title
            if text:
                yield item
        next_href = first_text(response, sel.next_page)
        if next_href:
            url = canonical_url(response.urljoin(next_href), self.noise_params)
            yield self.request(url, self.parse_thread)
