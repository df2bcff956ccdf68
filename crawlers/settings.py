"""Scrapy settings of every crawl: our item pipeline, robots.txt honoured, quiet logs.

Per-source politeness (delay, robots) is applied by the runner on each spider class.
"""

from __future__ import annotations

from typing import Any

USER_AGENT = "Mozilla/5.0 (compatible; YuqingMonitor/0.1; government news office opinion monitor)"


def scrapy_settings(log_level: str = "WARNING", **overrides: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "BOT_NAME": "yuqing",
        "USER_AGENT": USER_AGENT,
        "ROBOTSTXT_OBEY": True,
        "ITEM_PIPELINES": {"crawlers.pipelines.BusPipeline": 900},
        "LOG_LEVEL": log_level,
        "LOG_ENABLED": True,
        "TELNETCONSOLE_ENABLED": False,
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "DOWNLOAD_TIMEOUT": 30,
        "RETRY_TIMES": 2,
        "COOKIES_ENABLED": False,
        "DOWNLOAD_MAXSIZE": 20 * 1024 * 1024,
        "HTTPCACHE_ENABLED": False,
    }
    settings.update(overrides)
    return settings
