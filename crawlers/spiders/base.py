"""What every source spider shares: its source config, selectors, requests whose failures are
logged with a reason and counted in the source's health, item building, and findings.

A spider kind declares its selectors as a nested pydantic model (`Selectors`) with defaults for
the common site software; the source's YAML overrides them (CSS, or XPath: crawlers.select).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, ClassVar

import scrapy
from pydantic import BaseModel, ConfigDict, ValidationError
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers.health import HealthBook, PassHealth
from crawlers.items import now_iso
from crawlers.sink import ItemSink
from crawlers.sources import SourceConfig
from pipeline.config import ConfigError, describe_validation
from pipeline.models import Finding


class NoSelectors(BaseModel):
    model_config = ConfigDict(extra="forbid")


def failure_reason(failure: Failure) -> str:
    """A failed request as one line a person understands."""
    from scrapy.exceptions import IgnoreRequest
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.internet import defer, error

    exc = failure.value
    if isinstance(exc, HttpError):
        return f"HTTP {exc.response.status}"
    if isinstance(exc, error.TimeoutError | defer.TimeoutError):
        return "timeout: no answer in time"
    if type(exc).__name__ == "DownloadTimeoutError":  # Scrapy ≥ 2.14
        return f"timeout: {exc}"
    by_name = {
        "DownloadConnectionRefusedError": "connection refused",
        "CannotResolveHostError": "DNS lookup failed",
    }
    if type(exc).__name__ in by_name:  # Scrapy ≥ 2.14 wraps Twisted's errors
        return by_name[type(exc).__name__]
    if isinstance(exc, error.ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, error.DNSLookupError):
        return "DNS lookup failed"
    if type(exc).__name__ == "DownloadCancelledError":  # Scrapy ≥ 2.14: max size exceeded
        return f"refused: too large: {exc}"
    if isinstance(exc, defer.CancelledError):
        return "download cancelled (larger than max_page_bytes)"
    if isinstance(exc, IgnoreRequest):
        return str(exc) or "request ignored"
    return f"{type(exc).__name__}: {failure.getErrorMessage()}"


class SourceSpider(scrapy.Spider):
    """Base of the spiders of crawlers.spiders; built with `source=` and `sink=`."""

    name: ClassVar[str] = "source"  # the spider kind; also the `spider:` key in a sources file
    Selectors: ClassVar[type[BaseModel]] = NoSelectors

    def __init__(self, source: SourceConfig, sink: ItemSink | None = None, **kwargs: Any):
        super().__init__(name=self.name, **kwargs)
        self.source = source
        self.sink = sink
        self.selectors = self.selectors_for(source)
        self.pass_health = PassHealth()

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
            yield self.request(url, self.parse_start)

    def request(self, url: str, callback: Any, **kwargs: Any) -> scrapy.Request:
        """A request whose success and failure count in the source's health."""
        return scrapy.Request(url, callback=self._counted(callback), errback=self.request_failed,
                              **kwargs)  # fmt: skip

    def follow(self, response: Response, href: str, callback: Any, **kwargs: Any):
        return self.request(response.urljoin(href), callback, **kwargs)

    def _counted(self, callback: Any) -> Any:
        def counted(response: Response, **kwargs: Any):
            self.pass_health.pages_ok += 1
            return callback(response, **kwargs)

        counted.__name__ = getattr(callback, "__name__", "callback")
        return counted

    def parse_start(self, response: Response):
        raise NotImplementedError

    def note_error(self, url: str, reason: str) -> None:
        self.logger.warning("source %s: %s: %s", self.source.name, url, reason)
        self.pass_health.errors.append((url, reason))

    def request_failed(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        url = request.url if request is not None else ""
        reason = failure_reason(failure)
        if reason == "Forbidden by robots.txt":
            self.logger.info("source %s: %s: %s", self.source.name, url, reason)
            self.pass_health.skipped += 1
            return
        self.note_error(url, reason)

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

    def closed(self, reason: str) -> None:
        """Fold this pass into the source's health; a failing or silent source is reported."""
        p = self.pass_health
        self.logger.info(
            "source %s: %d page(s), %d item(s), %d error(s), %d skipped",
            self.source.name, p.pages_ok, p.items, p.error_count, p.skipped,
        )  # fmt: skip
        if self.sink is None:
            return
        try:
            health = HealthBook(self.sink.ctx.stores.state).record(
                self.source, p, datetime.now(UTC)
            )
        except Exception as exc:  # a store outage must not lose the pass's items
            self.logger.warning("source %s: health not recorded: %s", self.source.name, exc)
            return
        if health["status"] in ("failing", "silent"):
            self.report("source_down", f"{self.source.name}: {health['why']}", severity="critical")
            self.sink.flush()
