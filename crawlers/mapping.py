"""Field mappings of JSON sources: which path of a platform's record is an Item's id, text, time…

A mapping is data (a preset or the source's YAML), never code: dotted paths (`user.screen_name`),
alternatives (`idstr|id`), and URL templates (`https://weibo.com/{user.id}/{id}`). Values from
the record are only ever read as text or numbers.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from crawlers.items import parse_local_time

_TEMPLATE_FIELD = re.compile(r"\{([A-Za-z0-9_.|]+)\}")
MISSING = object()

# Weibo's open API status object (statuses/user_timeline, search/topics …).
WEIBO = {
    "items": "statuses",
    "next": "next_cursor",
    "next_param": "max_id",
    "id_prefix": "weibo",
    "time_format": "%a %b %d %H:%M:%S %z %Y",
    "fields": {
        "id": "idstr|id",
        "text": "longText.longTextContent|text",
        "published": "created_at",
        "author": "user.screen_name",
        "reposts": "reposts_count",
        "replies": "comments_count",
        "likes": "attitudes_count",
        "retweeted": "retweeted_status",
        "url": "",
    },
    "url_template": "https://weibo.com/{user.id}/{idstr|id}",
}
# A monitoring vendor's export API (the shape 清博 / 识微-style exports share).
VENDOR_EXPORT = {
    "items": "data.list",
    "next": "data.next_page_url",
    "id_prefix": "vendor",
    "fields": {
        "id": "articleId|id",
        "title": "title",
        "text": "content|summary",
        "published": "publishTime|pubTime",
        "author": "author|nickname",
        "url": "url|link",
        "views": "readCount",
        "replies": "commentCount",
        "reposts": "forwardCount",
        "likes": "likeCount",
        "platform": "platform",
    },
}
PRESETS: dict[str, dict[str, Any]] = {"weibo": WEIBO, "vendor_export": VENDOR_EXPORT}


def lookup(record: Any, path: str, default: Any = None) -> Any:
    """`a.b.0.c` in nested dicts / lists; `x|y` tries x, then y; missing → default."""
    for alternative in (path or "").split("|"):
        value: Any = record
        for part in alternative.strip().split("."):
            if isinstance(value, dict) and part in value:
                value = value[part]
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                value = MISSING
                break
        if alternative.strip() and value is not MISSING and value is not None and value != "":
            return value
    return default


def fill(template: str, record: Any) -> str:
    """`https://weibo.com/{user.id}/{id}` with the record's values; "" if one is missing."""
    missing = False

    def repl(m: re.Match[str]) -> str:
        nonlocal missing
        value = lookup(record, m.group(1))
        if value is None or isinstance(value, dict | list):
            missing = True
            return ""
        return str(value)

    out = _TEMPLATE_FIELD.sub(repl, template or "")
    return "" if missing else out


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def parse_time(value: Any, time_format: str = "", timezone: str = "Asia/Shanghai") -> str | None:
    """A platform time (Weibo's "Tue May 31 17:46:55 +0800 2011", epoch s/ms, ISO 8601, or
    a local "2025-08-03 10:12") → ISO 8601 with offset; None when unreadable."""
    tz = ZoneInfo(timezone)
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, UTC).astimezone(tz).isoformat()
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if time_format:
        try:
            dt = datetime.strptime(text, time_format)
        except ValueError:
            dt = None
        if dt is not None:
            return (dt if dt.tzinfo else dt.replace(tzinfo=tz)).isoformat()
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return (dt if dt.tzinfo else dt.replace(tzinfo=tz)).isoformat()
    except ValueError:
        return parse_local_time(text, timezone)
