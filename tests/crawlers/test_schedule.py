"""SourceScheduler: interval and crontab triggers with jitter, due sources gathered into one
pass, and backoff of failing sources."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawlers.schedule import SourceScheduler, in_backoff, trigger_for
from crawlers.sources import SourceConfig


def source(name: str, **kw) -> SourceConfig:
    return SourceConfig(name=name, kind="blog", source_type="blog", start_urls=["http://a"], **kw)


def test_triggers_follow_interval_or_cron_with_jitter():
    interval = trigger_for(source("a", interval="5m", jitter="30s"))
    assert isinstance(interval, IntervalTrigger) and interval.interval == timedelta(minutes=5)
    assert interval.jitter == 30
    cron = trigger_for(source("b", cron="15 * * * *"))
    assert isinstance(cron, CronTrigger)
    now = datetime(2025, 9, 1, 10, 20, tzinfo=UTC)
    assert cron.get_next_fire_time(None, now).minute == 15


def test_sources_due_together_share_a_pass():
    scheduler = SourceScheduler(
        [source("a", interval=1), source("b", interval=1), source("c", interval="1h")],
        first_run=None,
    )
    scheduler.start()
    try:
        due = scheduler.take_due(wait_s=5, gather_s=0.5)
    finally:
        scheduler.shutdown()
    assert {s.name for s in due} == {"a", "b"}


def test_failing_sources_back_off():
    s = source("a", interval="10m")
    now = datetime(2025, 9, 1, 12, tzinfo=UTC)
    recent = (now - timedelta(minutes=15)).isoformat()
    assert not in_backoff(s, {"consecutive_failures": 1, "last_attempt_at": recent}, now)
    assert in_backoff(s, {"consecutive_failures": 3, "last_attempt_at": recent}, now)  # 40 min
    old = (now - timedelta(hours=1)).isoformat()
    assert not in_backoff(s, {"consecutive_failures": 3, "last_attempt_at": old}, now)
