"""NewsCommentSpider: comment threads (新闻跟帖) under a news site's articles.

Article lists → each article's id (from its URL or page) → the site's comment JSON endpoint
(`comments_api`, paged like any JSON API and read through a field mapping). Every comment is an
item of source_type news_comment whose `parent_id` is the article's item id — the same id the
RssSpider gives the article (a hash of its canonical URL).
"""

from __future__ import annotations

import re
from typing import Any

from scrapy.http import Response

from crawlers.clean import clean_title
from crawlers.items import canonical_url, item_id
from crawlers.select import all_values, first_text
from crawlers.spiders.social_api import SocialApiSelectors, SocialApiSpider


class NewsCommentSelectors(SocialApiSelectors):
    article_links: str = "ul.news-list a::attr(href)"
    next_list_page: str = ""
    article_title: str = "h1::text"
    article_id_pattern: str = r"(\d+)\.s?html?$"  # group 1 of a regex over the article URL
    comments_api: str = "/api/comments?article={article_id}"  # {article_id}, {article_url}


class NewsCommentSpider(SocialApiSpider):
    name = "news_comment"
    Selectors = NewsCommentSelectors

    async def start(self):
        for url in self.source.start_urls:
            yield self.request(url, self.parse_list, cb_kwargs={"page": 1})

    def parse_list(self, response: Response, page: int):
        sel = self.selectors
        for href in all_values(response, sel.article_links):
            yield self.follow(response, href, self.parse_article)
        nxt = first_text(response, sel.next_list_page)
        if nxt and page < self.source.max_pages:
            yield self.follow(response, nxt, self.parse_list, cb_kwargs={"page": page + 1})

    def parse_article(self, response: Response):
        sel = self.selectors
        article_url = canonical_url(response.url)
        match = re.search(sel.article_id_pattern, article_url)
        if not match:
            self.note_error(response.url, f"no article id matches {sel.article_id_pattern!r}")
            return
        api = sel.comments_api.format(article_id=match.group(1), article_url=article_url)
        article = {
            "id": item_id(article_url),
            "url": article_url,
            "title": clean_title(first_text(response, sel.article_title)),
        }
        req = self.api_request(response.urljoin(api), page=1)
        req.cb_kwargs["article"] = article
        yield req

    def parse_page(self, response: Response, page: int, article: dict[str, Any] | None = None):
        for out in super().parse_page(response, page):
            if isinstance(out, dict) and article is not None:
                out["parent_id"] = out.get("parent_id") or article["id"]
                out["extra"]["article_title"] = article["title"]
                if out["parent_id"] != article["id"]:  # a reply to a comment
                    raw_parent = out["parent_id"].split(":", 1)[-1]
                    out["extra"]["reply_to"] = item_id(f"{article['url']}#comment-{raw_parent}")
                    out["parent_id"] = article["id"]
                cid = out["extra"].get("platform_id", "")
                out["url"] = out.get("url") or f"{article['url']}#comment-{cid}"
                out["id"] = item_id(f"{article['url']}#comment-{cid}")
            elif article is not None and hasattr(out, "cb_kwargs"):
                out.cb_kwargs["article"] = article
            yield out
