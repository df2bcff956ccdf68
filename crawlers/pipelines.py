"""Scrapy item pipeline: validate each scraped dict as a `pipeline.models.Item`, hand it to the sink.

The sink (crawlers.sink.ItemSink) is given to the spider by the crawl runner (`spider.sink`);
the pipeline flushes it every N items (in the sink) and when the spider closes.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawlers.sink import ItemSink
from pipeline.models import Item

log = logging.getLogger("yuqing.crawl")


class BusPipeline:
    """The last pipeline step: Item validation, then items.raw (and findings) via the sink."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BusPipeline:
        return cls(crawler)

    @property
    def sink(self) -> ItemSink:
        spider = self.crawler.spider
        sink = getattr(spider, "sink", None)
        if sink is None:
            raise RuntimeError(f"spider {spider!r} was started without a sink")
        return sink

    def process_item(self, item: Any) -> Any:
        spider = self.crawler.spider
        try:
            record = item if isinstance(item, Item) else Item.model_validate(dict(item))
        except ValidationError as exc:
            self.sink.stats.invalid += 1
            url = str(dict(item).get("url", "")) if not isinstance(item, Item) else item.url
            fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors())
            reason = f"not a valid Item ({exc.error_count()} error(s): {fields})"
            if hasattr(spider, "note_error"):
                spider.note_error(url, reason)
            raise DropItem(reason) from None
        pin = getattr(getattr(spider, "source", None), "profile", None)
        if pin and record.extra.get("profile") != pin:  # the source's jurisdiction profile
            record = record.model_copy(update={"extra": {**record.extra, "profile": pin}})
        if hasattr(spider, "pass_health"):
            spider.pass_health.items += 1
        self.sink.accept(record)
        return item

    def close_spider(self) -> None:
        self.sink.flush()
