"""What every source spider shares: its source config, selectors, item building, failure findings.

A spider kind declares its selectors as a nested pydantic model (`Selectors`) with defaults for
the common site software; the source's YAML overrides them.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, ClassVar

import scrapy
from pydantic import BaseModel, ConfigDict, ValidationError
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers.items import now_iso
from crawlers.sink import ItemSink
from crawlers.sources import SourceConfig
from pipeline.config import ConfigError, describe_validation
from pipeline.models import Finding


class NoSelectors(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceSpider(scrapy.Spider):
    """Base of the spiders of crawlers.spiders; built with `source=` and `sink=`."""

    name: ClassVar[str] = "source"  # the spider kind; also the `spider:` key in a sources file
    Selectors: ClassVar[type[BaseModel]] = NoSelectors

    def __init__(self, source: SourceConfig, sink: ItemSink | None = None, **kwargs: Any):
        super().__init__(name=self.name, **kwargs)
        self.source = source
        self.sink = sink
        self.selectors = self.selectors_for(source)
        self.pages_seen = 0

    @classmethod
    def selectors_for(cls, source: SourceConfig) -> Any:
        try:
            return cls.Selectors.model_validate(source.selectors)
        except ValidationError as exc:
            raise ConfigError(
                describe_validation(exc, f"source {source.name}: selectors")
            ) from None

    async def start(self):
        for url in self.source.start_urls:
            yield scrapy.Request(url, callback=self.parse_start, errback=self.source_failed)

    def parse_start(self, response: Response):
        raise NotImplementedError

    def base_item(self, url: str, item_id: str, text: str, published_at: str | None) -> dict:
        crawled_at = now_iso()
        return {
            "id": item_id,
            "source_type": self.source.source_type,
            "source_name": self.source.name,
            "url": url,
            "text": text,
            "published_at": published_at or crawled_at,
            "crawled_at": crawled_at,
            "extra": {} if published_at else {"published_at_unknown": True},
        }

    def report(self, kind: str, detail: str, url: str = "", severity: str = "warning") -> None:
        """A finding (source down, defaced page): one per source, kind, URL and day."""
        if self.sink is None:
            self.logger.warning("%s: %s (%s)", kind, detail, url)
            return
        day = datetime.now(UTC).strftime("%Y-%m-%d")
        key = f"{kind}|{self.source.name}|{url}|{day}"
        self.sink.report(
            Finding(
                finding_id=hashlib.sha256(key.encode("utf-8")).hexdigest()[:32],
                kind=kind,
                source=self.source.name,
                detail=detail,
                found_at=now_iso(),
                severity=severity,
                url=url,
            )
        )

    def source_failed(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        url = request.url if request is not None else ""
        self.report("source_down", f"{failure.type.__name__}: {failure.getErrorMessage()}", url)
