"""BlogSpider: a blog's post lists → posts (title, author, time, text, tags, counters).

Defaults fit the common blog templates (article lists with `h2 a` links, `.entry-content`);
a source overrides any selector, CSS or XPath, in its YAML.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from scrapy.http import Response

from crawlers.clean import clean_fragment, clean_html, clean_title
from crawlers.items import canonical_url, item_id, parse_local_time, to_int
from crawlers.select import all_values, first_text, select
from crawlers.spiders.base import SourceSpider


class BlogSelectors(BaseModel):
    model_config = ConfigDict(extra="forbid")

    post_links: str = "article h2 a::attr(href)"
    next_page: str = "a.next::attr(href)"
    title: str = "h1.entry-title::text"
    author: str = "span.author::text"
    published: str = "time::attr(datetime)"
    content: str = "div.entry-content"
    tags: str = "a[rel=tag]::text"
    views: str = "span.views::text"
    comments: str = "span.comment-count::text"


class BlogSpider(SourceSpider):
    name = "blog"
    Selectors = BlogSelectors

    def parse_start(self, response: Response):
        yield from self.parse_list(response, page=1)

    def parse_list(self, response: Response, page: int):
        for href in all_values(response, self.selectors.post_links):
            yield self.follow(response, href, self.parse_post)
        next_href = first_text(response, self.selectors.next_page)
        if next_href and page < self.source.max_pages:
            yield self.follow(response, next_href, self.parse_list, cb_kwargs={"page": page + 1})

    def parse_post(self, response: Response):
        sel = self.selectors
        url = canonical_url(response.url)
        fragment = select(response, sel.content).get()
        cleaned = clean_fragment(fragment) if fragment else clean_html(response.body, response.url)
        if not cleaned.text:
            self.note_error(response.url, "no post text found")
            return
        published = parse_local_time(first_text(response, sel.published), self.source.timezone)
        item = self.base_item(url, item_id(url), cleaned.text, published)
        item["title"] = clean_title(first_text(response, sel.title) or cleaned.title)
        item["author"] = first_text(response, sel.author) or None
        metrics = {
            "views": to_int(first_text(response, sel.views)),
            "replies": to_int(first_text(response, sel.comments)),
        }
        if any(v is not None for v in metrics.values()):
            item["metrics"] = metrics
        if tags := all_values(response, sel.tags):
            item["extra"]["tags"] = tags
        yield item
