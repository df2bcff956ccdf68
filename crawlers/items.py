"""How a crawled page becomes an Item: canonical URLs, stable ids and times with offsets.

The id is a hash of the canonical URL (a reply: the thread's canonical URL plus `#pid…`), so
the same post crawled twice, or by two workers, is the same item.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

TRACKING_PARAMS = frozenset(
    {
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
        "spm",
        "from",
        "fromuid",
    }
)
_LOCAL_TIME = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?"
)


def canonical_url(url: str, drop_params: Iterable[str] = ()) -> str:
    """Lower-case scheme and host, no fragment, no tracking or `drop_params`, sorted query."""
    parts = urlsplit(url.strip())
    drop = TRACKING_PARAMS | set(drop_params)
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in drop
    )
    netloc = parts.netloc.lower()
    if (parts.scheme == "http" and netloc.endswith(":80")) or (
        parts.scheme == "https" and netloc.endswith(":443")
    ):
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", urlencode(query), ""))


def query_param(url: str, name: str, default: str = "") -> str:
    return dict(parse_qsl(urlsplit(url).query)).get(name, default)


def item_id(canonical: str) -> str:
    """Stable id of an item from its canonical URL (or thread URL + '#pid…')."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def parse_local_time(text: str, timezone: str = "Asia/Shanghai") -> str | None:
    """ "发表于 2025-8-3 10:12", "2025年08月03日", "2025-08-03 10:12:05" → ISO 8601 with the
    site's offset (+08:00); None when the text holds no date."""
    match = _LOCAL_TIME.search(text or "")
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        local = datetime(year, month, day, hour, minute, second, tzinfo=ZoneInfo(timezone))
    except ValueError:
        return None
    return local.isoformat()


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def to_int(text: str | None) -> int | None:
    """ "3,421" / " 12 " / "1.2万" → int; None when there is no number."""
    if not text:
        return None
    match = re.search(r"(\d[\d,]*(?:\.\d+)?)\s*(万)?", text)
    if not match:
        return None
    value = float(match.group(1).replace(",", ""))
    return int(value * 10_000 if match.group(2) else value)
