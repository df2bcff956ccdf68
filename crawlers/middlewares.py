"""Scrapy middlewares of every crawl: refuse private addresses, back off on retries, refuse
binary bodies and re-decode text with charset detection, and count parse errors as health.

Each refusal is an IgnoreRequest with a reason a person can read; the spider's errback logs it
and counts it in the source's health, and the crawl goes on.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.error import DNSLookupError
from twisted.internet.task import deferLater

from crawlers.encoding import decode_page
from crawlers.resolver import GuardedResolver, literal_address, non_public, system_lookup

TEXT_TYPES = ("text/", "application/xml", "application/json", "+xml", "+json", "javascript")


def private_address(url: str) -> str | None:
    """The first non-public address `url`'s host resolves to (a blocking system lookup: for
    tools and tests; a crawl asks its GuardedResolver instead)."""
    host = urlsplit(url).hostname or ""
    literal = literal_address(host)
    try:
        addresses = (literal,) if literal is not None else system_lookup(host)
    except DNSLookupError:
        return None
    return next((a for a in addresses if non_public(a)), None)


def _source(crawler: Any) -> Any:
    return getattr(crawler.spider, "source", None)


class PrivateAddressMiddleware:
    """SSRF guard: only http(s) URLs are fetched, and a URL (or a redirect) to a private
    network is refused unless the source's `allow_private` allows that address.

    The host's addresses come from the crawl's GuardedResolver, which pins them: the
    connection then goes to the address checked here, whatever the DNS server answers later."""

    def __init__(self, crawler: Any):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> PrivateAddressMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request, spider: Any = None) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https"):
            raise IgnoreRequest(f"refused: {parts.scheme}: URLs are not crawled, only http(s)")
        source = _source(self.crawler)
        if source is None:
            return
        host = parts.hostname or ""
        addresses = await _addresses(host)  # pinned: the connection needs it even if allowed
        if source.allow_private is True:
            return
        if bad := next((a for a in addresses if non_public(a) and not source.allows(a)), None):
            raise IgnoreRequest(
                f"refused: {host} is a private or loopback address ({bad}); "
                "set allow_private: true (or a list of networks) on the source to crawl it"
            )


async def _addresses(host: str) -> tuple[str, ...]:
    """The host's pinned addresses, from the resolver the crawl's connections use."""
    if (literal := literal_address(host)) is not None:
        return (literal,)
    resolver = getattr(reactor, "resolver", None)
    if not isinstance(resolver, GuardedResolver):
        raise IgnoreRequest(
            "refused: the crawl's DNS_RESOLVER is not crawlers.resolver.GuardedResolver, "
            "so private addresses cannot be refused safely"
        )
    try:
        return await maybe_deferred_to_future(resolver.addresses(host))
    except DNSLookupError as exc:  # retried like Scrapy's own lookup failures
        raise CannotResolveHostError(str(exc)) from None


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
