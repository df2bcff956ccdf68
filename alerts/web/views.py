"""Template helpers: Chinese labels, Asia/Shanghai times, clock urgency, safe links.

Everything here returns plain strings for autoescaped templates; nothing marks text safe.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from alerts.case_view import CLOCK_STATES, REVIEW_STATES
from alerts.clocks import next_due
from alerts.labels import (
    CATEGORY_LABELS,
    CLOCK_LABELS,
    IMPORTANCE_LABELS,
    SEVERITY_LABELS,
)
from alerts.localtime import DEFAULT_TIMEZONE, display_local, to_local
from alerts.responses import LEVEL_LABELS, RESPONSE_LABELS
from alerts.status import STATUS_LABELS
from pipeline.models import SOURCE_TYPE_NAMES, Case, Clock, parse_time

SOURCE_LABELS = SOURCE_TYPE_NAMES
SENTIMENT_LABELS = {"negative": "负面", "neutral": "中性", "positive": "正面"}
DUE_SOON_SECONDS = 2 * 3600  # a running clock this close to its deadline shows amber
DUE_SOON_SHARE = 0.25  # …or within the last quarter of its span


def local_time(value: str | datetime | None) -> str:
    return display_local(value, DEFAULT_TIMEZONE)


def local_seconds(value: str | None) -> str:
    if not value:
        return "—"
    return to_local(value, DEFAULT_TIMEZONE).strftime("%Y-%m-%d %H:%M:%S")


def clock_urgency(clock: Clock, now: datetime) -> str:
    """running / due_soon / breached / met — the colour of a clock on the board."""
    if clock.state != "running":
        return clock.state
    due = parse_time(clock.due_at)
    left = (due - now).total_seconds()
    if left <= 0:
        return "breached"
    span = (due - parse_time(clock.started_at)).total_seconds() if clock.started_at else 0
    if left <= DUE_SOON_SECONDS or (span > 0 and left <= span * DUE_SOON_SHARE):
        return "due_soon"
    return "running"


def remaining_text(clock: Clock, now: datetime) -> str:
    """What the countdown shows before its script runs (and without scripts)."""
    if clock.state == "met":
        return "已达成"
    left = int((parse_time(clock.due_at) - now).total_seconds())
    if clock.state == "breached" or left <= 0:
        return f"已超期 {_span(-left)}" if left < 0 else "已超期"
    return f"剩余 {_span(left)}"


def _span(seconds: int) -> str:
    days, rest = divmod(abs(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}天{hours}小时"
    if hours:
        return f"{hours}小时{minutes}分"
    return f"{minutes}分"


def case_urgency(case: Case, now: datetime) -> str:
    """A case's colour: breached if any clock is, else its next clock's."""
    if any(c.state == "breached" for c in case.clocks):
        return "breached"
    clock = next_due(case)
    return clock_urgency(clock, now) if clock else "none"


def safe_url(url: str | None) -> str:
    """The URL if it is http(s); crawled links with other schemes (javascript:) become ""."""
    if not url:
        return ""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return ""
    return url.strip() if scheme in ("http", "https") else ""


def label_filters() -> dict[str, Any]:
    """Jinja filters of labels and times."""
    return {
        "local": local_time,
        "local_s": local_seconds,
        "status_label": lambda s: STATUS_LABELS.get(s, s),
        "category_label": lambda c: CATEGORY_LABELS.get(c, c),
        "clock_label": lambda c: CLOCK_LABELS.get(c, c),
        "clock_state": lambda s: CLOCK_STATES.get(s, s),
        "review_state": lambda s: REVIEW_STATES.get(s, s),
        "response_label": lambda k: RESPONSE_LABELS.get(k, k),
        "level_label": lambda v: LEVEL_LABELS.get(v, v),
        "importance_label": lambda v: IMPORTANCE_LABELS.get(v, v),
        "severity_label": lambda v: SEVERITY_LABELS.get(v, v) if v else "—",
        "source_label": lambda v: SOURCE_LABELS.get(v, v),
        "sentiment_label": lambda v: SENTIMENT_LABELS.get(v, v),
        "safe_url": safe_url,
    }
