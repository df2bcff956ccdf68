"""RssSpider: news via RSS / Atom feeds (feedparser) and the article pages they link to.

Each entry's link is fetched and its main text extracted (the `content` selector, else
trafilatura); with `follow_articles: false` the entry's own content or summary is the text.
The item id is the article's canonical URL, so comment threads (NewsCommentSpider) can point
to it. An Atom `rel="next"` link pages through an archive feed.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import Any

import feedparser
from pydantic import BaseModel, ConfigDict
from scrapy.http import Response

from crawlers.clean import clean_fragment, clean_html, clean_title
from crawlers.items import canonical_url, item_id
from crawlers.select import first_text, select
from crawlers.spiders.base import SourceSpider


class RssSelectors(BaseModel):
    model_config = ConfigDict(extra="forbid")

    follow_articles: bool = True
    content: str = ""  # main text of an article page; "" lets trafilatura find it
    author: str = ""  # on the article page, when the feed names none
    published: str = ""  # on the article page, when the feed gives no date


def entry_time(entry: Any, timezone: str) -> str | None:
    from zoneinfo import ZoneInfo

    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    utc = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    return utc.astimezone(ZoneInfo(timezone)).isoformat()


class RssSpider(SourceSpider):
    name = "rss"
    Selectors = RssSelectors

    def parse_start(self, response: Response, page: int = 1):
        feed = feedparser.parse(response.text)
        if not feed.entries:
            reason = f"no feed entries ({feed.get('bozo_exception') or 'empty feed'})"
            self.note_error(response.url, reason)
            return
        for entry in feed.entries:
            link = entry.get("link")
            if not link:
                continue
            meta = {
                "title": entry.get("title", ""),
                "published": entry_time(entry, self.source.timezone),
                "author": entry.get("author", ""),
                "summary": (entry.get("content") or [{}])[0].get("value")
                or entry.get("summary", ""),
                "tags": [t.get("term") for t in entry.get("tags", []) if t.get("term")],
            }
            if self.selectors.follow_articles:
                yield self.follow(response, link, self.parse_article, cb_kwargs={"entry": meta})
            else:
                yield self.entry_item(response.urljoin(link), meta, meta["summary"])
        nxt = next(
            (x.get("href") for x in feed.feed.get("links", []) if x.get("rel") == "next"), ""
        )
        if nxt and page < self.source.max_pages:
            yield self.follow(response, nxt, self.parse_start, cb_kwargs={"page": page + 1})

    def entry_item(self, url: str, entry: dict[str, Any], html: str) -> dict[str, Any]:
        url = canonical_url(url)
        item = self.base_item(url, item_id(url), clean_fragment(html).text, entry["published"])
        item["title"] = clean_title(entry["title"])
        item["author"] = entry["author"] or None
        if entry["tags"]:
            item["extra"]["tags"] = entry["tags"]
        return item

    def parse_article(self, response: Response, entry: dict[str, Any]):
        sel = self.selectors
        fragment = select(response, sel.content).get() if sel.content else None
        cleaned = clean_fragment(fragment) if fragment else clean_html(response.body, response.url)
        if not cleaned.text:
            self.note_error(response.url, "no main text found on the article page")
            return
        entry = {**entry, "title": entry["title"] or cleaned.title}
        entry["author"] = entry["author"] or first_text(response, sel.author)
        if not entry["published"] and sel.published:
            from crawlers.items import parse_local_time

            entry["published"] = parse_local_time(
                first_text(response, sel.published), self.source.timezone
            )
        item = self.entry_item(response.url, entry, "")
        item["text"] = cleaned.text
        yield item
