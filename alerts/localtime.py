"""Local (Asia/Shanghai) time helpers: the clocks' deadlines are local-day based.

Kept apart so every module formats and compares times the same way: stored times are ISO 8601
with an offset, deadlines are written in local time, comparisons are on aware datetimes.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from pipeline.models import parse_time

DEFAULT_TIMEZONE = "Asia/Shanghai"


@cache
def zone(name: str = DEFAULT_TIMEZONE) -> ZoneInfo:
    return ZoneInfo(name)


def to_local(value: str | datetime, tz: str = DEFAULT_TIMEZONE) -> datetime:
    """An ISO string or aware datetime, in the local zone (a naive time is refused)."""
    return parse_time(value).astimezone(zone(tz))


def iso_local(value: str | datetime, tz: str = DEFAULT_TIMEZONE) -> str:
    """ISO 8601 in local time with its offset, to the second (e.g. 2024-05-01T15:00:00+08:00)."""
    return to_local(value, tz).isoformat(timespec="seconds")


def end_of_local_day(value: str | datetime, tz: str = DEFAULT_TIMEZONE) -> datetime:
    """The local midnight that ends the day of `value` (23:30 local → 00:00 the next day)."""
    local = to_local(value, tz)
    next_day = local.date() + timedelta(days=1)
    return datetime.combine(next_day, time(0, 0), tzinfo=zone(tz))


def display_local(value: str | datetime | None, tz: str = DEFAULT_TIMEZONE) -> str:
    """Short local form for people: 2024-05-01 15:00."""
    if not value:
        return "—"
    return to_local(value, tz).strftime("%Y-%m-%d %H:%M")
