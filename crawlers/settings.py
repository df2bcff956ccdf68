"""Scrapy settings of every crawl (our middlewares and item pipeline, quiet logs), and the
per-source politeness and limits applied as each spider's own settings.
"""

from __future__ import annotations

from typing import Any

from crawlers.sources import SourceConfig

USER_AGENT = "Mozilla/5.0 (compatible; YuqingMonitor/0.1; government news office opinion monitor)"


def scrapy_settings(log_level: str = "WARNING", **overrides: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "BOT_NAME": "yuqing",
        "USER_AGENT": USER_AGENT,
        "ROBOTSTXT_OBEY": True,
        "ITEM_PIPELINES": {"crawlers.pipelines.BusPipeline": 900},
        "DOWNLOADER_MIDDLEWARES": {
            "crawlers.middlewares.PrivateAddressMiddleware": 50,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawlers.middlewares.BackoffRetryMiddleware": 550,
            "crawlers.middlewares.ContentMiddleware": 560,
            "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
            "crawlers.middlewares.LoopSafeRedirectMiddleware": 600,
        },
        "SPIDER_MIDDLEWARES": {"crawlers.middlewares.HealthSpiderMiddleware": 45},
        "LOG_LEVEL": log_level,
        "LOG_ENABLED": True,
        "TELNETCONSOLE_ENABLED": False,
        "CONCURRENT_REQUESTS": 32,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "DOWNLOAD_TIMEOUT": 30,
        "RETRY_TIMES": 2,
        "COOKIES_ENABLED": False,
        "DOWNLOAD_MAXSIZE": 10 * 1024 * 1024,
        "DOWNLOAD_WARNSIZE": 0,
        "HTTPCACHE_ENABLED": False,
        "REDIRECT_MAX_TIMES": 10,
        # Every connection's address comes from the resolver that the SSRF guard checked.
        "TWISTED_DNS_RESOLVER": "crawlers.resolver.GuardedResolver",
        "YUQING_DNS_SERVERS": [],  # "host:port" DNS servers to ask instead of the system's
        "DNS_TIMEOUT": 20,
        # Only http(s) is crawled: a page's file:// or ftp:// link must not read local files.
        "DOWNLOAD_HANDLERS": {"file": None, "ftp": None, "s3": None},
    }
    settings.update(overrides)
    return settings


def source_settings(source: SourceConfig) -> dict[str, Any]:
    """The source's politeness and limits as Scrapy settings (a spider's custom_settings)."""
    return {
        "ROBOTSTXT_OBEY": source.obey_robots,
        "DOWNLOAD_DELAY": source.download_delay_s,
        "CONCURRENT_REQUESTS_PER_DOMAIN": source.concurrency_per_domain,
        "RETRY_TIMES": source.retries,
        "DOWNLOAD_TIMEOUT": source.timeout_s,
        "DOWNLOAD_MAXSIZE": source.max_page_bytes,
    }
