"""Scrapy middlewares of every crawl: refuse private addresses, back off on retries, refuse
binary bodies and re-decode text with charset detection, and count parse errors as health.

Each refusal is an IgnoreRequest with a reason a person can read; the spider's errback logs it
and counts it in the source's health, and the crawl goes on.
"""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater

from crawlers.encoding import decode_page

TEXT_TYPES = ("text/", "application/xml", "application/json", "+xml", "+json", "javascript")


@lru_cache(maxsize=1024)
def _addresses(host: str) -> tuple[str, ...]:
    try:
        return (str(ipaddress.ip_address(host.strip("[]"))),)
    except ValueError:
        pass
    try:
        return tuple(sorted({info[4][0] for info in socket.getaddrinfo(host, None)}))
    except OSError:
        return ()


def private_address(url: str) -> str | None:
    """The first private, loopback, link-local or reserved address `url`'s host resolves to."""
    host = urlsplit(url).hostname or ""
    for addr in _addresses(host):
        ip = ipaddress.ip_address(addr.split("%")[0])
        mapped = getattr(ip, "ipv4_mapped", None)  # ::ffff:127.0.0.1 is 127.0.0.1
        # not global: also shared (100.64/10), benchmark and documentation ranges; multicast
        if any(not x.is_global or x.is_multicast for x in (ip, mapped) if x is not None):
            return addr
    return None


def _source(crawler: Any) -> Any:
    return getattr(crawler.spider, "source", None)


class PrivateAddressMiddleware:
    """SSRF guard: a URL (or a redirect) to a private network is refused unless the source
    sets `allow_private: true`."""

    def __init__(self, crawler: Any):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> PrivateAddressMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        source = _source(self.crawler)
        if source is None or source.allow_private or not request.url.startswith("http"):
            return
        if addr := private_address(request.url):
            raise IgnoreRequest(
                f"refused: {urlsplit(request.url).hostname} is a private or loopback address "
                f"({addr}); set allow_private: true on the source to crawl it"
            )


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, each after a delay that doubles (`retry_backoff_s`, 2×, 4× …)."""

    def _retry(self, request: Request, reason: Any) -> Request | None:
        retry = super()._retry(request, reason)
        if retry is not None:
            source = _source(self.crawler)
            base = source.retry_backoff_s if source is not None else 1.0
            retry.meta["backoff_s"] = base * 2 ** (retry.meta.get("retry_times", 1) - 1)
        return retry

    async def process_request(self, request: Request, spider: Any = None) -> None:
        delay = request.meta.pop("backoff_s", 0)
        if delay > 0:
            await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))


class LoopSafeRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirects, but a loop (a → b → a) is refused with its path as the reason;
    without this the scheduler's duplicate filter drops the loop silently."""

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if redirected.url in chain:
            path = " → ".join(urlsplit(u).path or "/" for u in [*chain, redirected.url])
            raise IgnoreRequest(f"redirect loop: {path}")
        return super()._redirect(redirected, request, reason)


class ContentMiddleware:
    """Binary bodies are refused; text bodies are re-decoded (declared charset checked, else
    detected) and handed on as UTF-8, so spiders never see mojibake."""

    def __init__(self, crawler: Any):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ContentMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Any:
        if not 200 <= response.status < 300 or request.url.endswith("/robots.txt"):
            return response
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        head = response.body[:2048]
        textual = any(t in ctype for t in TEXT_TYPES) or (not ctype and b"\x00" not in head)
        if not textual or b"\x00" in head:
            raise IgnoreRequest(
                f"binary content ({ctype or 'no content type'}, {len(response.body)} bytes)"
            )
        source = _source(self.crawler)
        forced = source.encoding if source is not None else None
        text, codec = decode_page(response.body, ctype, forced)
        cls = response.__class__ if isinstance(response, TextResponse) else TextResponse
        request.meta["source_codec"] = codec
        return response.replace(cls=cls, body=text.encode("utf-8"), encoding="utf-8")


class HealthSpiderMiddleware:
    """A callback that raises (markup changed, an API changed its JSON) is logged with the URL
    and counted as the source's error; the crawl goes on."""

    def __init__(self, crawler: Any):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> HealthSpiderMiddleware:
        return cls(crawler)

    def process_spider_exception(
        self, response: Response, exception: Exception, spider: Any = None
    ) -> list[Any] | None:
        from scrapy.spidermiddlewares.httperror import HttpError

        if isinstance(exception, HttpError):
            return None
        owner = self.crawler.spider
        note = getattr(owner, "note_error", None)
        if note is None:
            return None
        note(response.url, f"cannot parse: {type(exception).__name__}: {exception}")
        return []
