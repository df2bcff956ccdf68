"""MessageBoardSpider: netizen message boards (12345 / 县长信箱 / 部门信箱): list pages → letters.

A letter is one item (the netizen's message); the government's published answer, its date and
the answering department go into `extra["official_reply"]` = {"text", "published_at",
"department"}, so a case's response clock can be met automatically. Letters without an
answer yet carry no reply and are re-crawled until they get one (the fingerprint changes).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict
from scrapy.http import Response

from crawlers.clean import clean_fragment, clean_title
from crawlers.items import canonical_url, item_id, parse_local_time
from crawlers.select import all_values, first_text, select
from crawlers.spiders.base import SourceSpider


class MessageBoardSelectors(BaseModel):
    model_config = ConfigDict(extra="forbid")

    letter_links: str = "table.letters td.title a::attr(href)"
    link_pattern: str = ""
    next_page: str = "div.pager a.next::attr(href)"
    title: str = "h1.letter-title::text"
    asker: str = "span.asker::text"
    posted: str = "span.posted::text"
    message: str = "div.letter-body"
    category: str = "span.category::text"
    status: str = "span.status::text"
    reply: str = "div.reply-body"
    reply_department: str = "span.reply-dept::text"
    reply_date: str = "span.reply-date::text"


class MessageBoardSpider(SourceSpider):
    name = "message_board"
    Selectors = MessageBoardSelectors

    def parse_start(self, response: Response):
        yield from self.parse_list(response, page=1)

    def parse_list(self, response: Response, page: int):
        sel = self.selectors
        pattern = re.compile(sel.link_pattern) if sel.link_pattern else None
        for href in all_values(response, sel.letter_links):
            if pattern is None or pattern.search(response.urljoin(href)):
                yield self.follow(response, href, self.parse_letter)
        next_href = first_text(response, sel.next_page)
        if next_href and page < self.source.max_pages:
            yield self.follow(response, next_href, self.parse_list, cb_kwargs={"page": page + 1})

    def parse_letter(self, response: Response):
        sel = self.selectors
        url = canonical_url(response.url)
        message = select(response, sel.message).get()
        if message is None:
            self.note_error(response.url, "no message found (message selector matched nothing)")
            return
        tz = self.source.timezone
        item = self.base_item(
            url,
            item_id(url),
            clean_fragment(message).text,
            parse_local_time(first_text(response, sel.posted), tz),
        )
        item["title"] = clean_title(first_text(response, sel.title))
        item["author"] = first_text(response, sel.asker) or None
        for key in ("category", "status"):
            if value := first_text(response, getattr(sel, key)):
                item["extra"][key] = value
        reply = select(response, sel.reply).get()
        reply_text = clean_fragment(reply).text if reply else ""
        if reply_text:
            item["extra"]["official_reply"] = {
                "text": reply_text,
                "published_at": parse_local_time(first_text(response, sel.reply_date), tz),
                "department": first_text(response, sel.reply_department),
            }
        yield item
