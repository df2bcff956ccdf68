"""SourceScheduler: APScheduler (3.x) fires each source on its interval or crontab, with jitter;
the crawl stage takes the due sources from its queue and crawls them together in one pass.

A failing source backs off: after k failed passes in a row it is crawled at most every
min(2^(k-1), 16) × its interval, so a dead site is not hammered but is noticed when it is back.
"""

from __future__ import annotations

import queue
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawlers.sources import SourceConfig

MAX_BACKOFF = 16


def trigger_for(source: SourceConfig) -> Any:
    jitter = int(source.jitter_s) or None
    if source.cron:
        minute, hour, day, month, day_of_week = source.cron.split()
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=day_of_week,
            timezone=source.timezone,
            jitter=jitter,
        )
    return IntervalTrigger(seconds=source.interval_s, timezone=source.timezone, jitter=jitter)


def in_backoff(source: SourceConfig, health: dict[str, Any] | None, now: datetime) -> bool:
    """True while a failing source should rest (its last attempt was too recent)."""
    failures = (health or {}).get("consecutive_failures", 0)
    last = (health or {}).get("last_attempt_at")
    if failures <= 1 or not last:
        return False
    rest = source.interval_s * min(2 ** (failures - 1), MAX_BACKOFF)
    return now - datetime.fromisoformat(last) < timedelta(seconds=rest * 0.9)


class SourceScheduler:
    """One APScheduler job per source; each firing puts the source's name on `due`."""

    def __init__(self, sources: list[SourceConfig], first_run: datetime | None = None):
        self.sources = {s.name: s for s in sources}
        self.due: queue.Queue[str] = queue.Queue()
        self.scheduler = BackgroundScheduler(
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
        )
        # APScheduler pauses a job whose next_run_time is None: pass it only when given.
        first = {"next_run_time": first_run} if first_run is not None else {}
        for source in sources:
            self.scheduler.add_job(
                self.due.put,
                trigger_for(source),
                args=[source.name],
                id=source.name,
                name=f"crawl {source.name}",
                **first,
            )

    def start(self) -> None:
        self.scheduler.start()

    def shutdown(self) -> None:
        self.scheduler.shutdown(wait=False)

    def next_runs(self) -> dict[str, datetime | None]:
        return {job.id: job.next_run_time for job in self.scheduler.get_jobs()}

    def take_due(self, wait_s: float, gather_s: float = 1.0) -> list[SourceConfig]:
        """Sources that came due: waits up to `wait_s` for the first, then gathers the others
        firing within `gather_s`, so sources due together share one crawl pass."""
        try:
            names = [self.due.get(timeout=wait_s)]
        except queue.Empty:
            return []
        deadline = datetime.now() + timedelta(seconds=gather_s)
        while (left := (deadline - datetime.now()).total_seconds()) > 0:
            try:
                names.append(self.due.get(timeout=left))
            except queue.Empty:
                break
        return [self.sources[n] for n in dict.fromkeys(names) if n in self.sources]
