"""Source health: what each pass of a source saw, kept in the state store (namespace
"source_health"), and the judgement of it: ok, failing (its pages fail) or silent (it yielded
nothing for `down_after` × its interval). Both of the latter raise a `source_down` finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from crawlers.sources import SourceConfig
from pipeline.storage.base import StateStore

HEALTH_NAMESPACE = "source_health"
WINDOW = timedelta(hours=24)
MAX_PASSES = 200
MAX_ERRORS_KEPT = 20


@dataclass
class PassHealth:
    """The counts of one source in one pass, filled in by its spider and the item pipeline."""

    pages_ok: int = 0
    items: int = 0
    skipped: int = 0  # refused by robots.txt: not an error of the source
    errors: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)

    @property
    def error_count(self) -> int:
        return len(self.errors)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def judge(source: SourceConfig, health: dict[str, Any] | None, now: datetime) -> tuple[str, str]:
    """(status, why): `new`, `ok`, `failing` or `silent`."""
    if not health or not health.get("last_attempt_at"):
        return "new", "never crawled"
    if health.get("consecutive_failures", 0) > 0:
        return "failing", f"last pass failed: {health.get('last_error') or 'no page answered'}"
    if source.spider == "drop_folder":  # an empty inbox is normal
        return "ok", ""
    limit = timedelta(seconds=source.interval_s * source.down_after)
    since = _parse(health.get("last_yield_at")) or _parse(health.get("first_attempt_at"))
    if since is not None and now - since > limit:
        return "silent", f"no item for {now - since} (limit {limit})"
    return "ok", ""


class HealthBook:
    """Reads and writes source health records in a StateStore."""

    def __init__(self, state: StateStore, namespace: str = HEALTH_NAMESPACE):
        self.state = state
        self.namespace = namespace

    def get(self, name: str) -> dict[str, Any] | None:
        return self.state.get(self.namespace, name)

    def all(self) -> dict[str, dict[str, Any]]:
        return dict(self.state.scan(self.namespace))

    def record(self, source: SourceConfig, p: PassHealth, now: datetime) -> dict[str, Any]:
        """Fold one pass into the source's record; returns the record with status and why."""
        h = self.get(source.name) or {"name": source.name, "first_attempt_at": _iso(now)}
        h["kind"], h["source_type"] = source.spider, source.source_type
        h["last_attempt_at"] = _iso(now)
        failed = p.pages_ok == 0 and p.error_count > 0
        if p.pages_ok:
            h["last_success_at"] = _iso(now)
        if p.items:
            h["last_yield_at"] = _iso(now)
        if p.errors:
            url, reason = p.errors[-1]
            h["last_error"], h["last_error_url"], h["last_error_at"] = reason, url, _iso(now)
            h["recent_errors"] = ([list(e) for e in p.errors] + h.get("recent_errors", []))[
                :MAX_ERRORS_KEPT
            ]
        h["consecutive_failures"] = h.get("consecutive_failures", 0) + 1 if failed else 0
        passes = [x for x in h.get("passes", []) if _parse(x[0]) and now - _parse(x[0]) <= WINDOW]
        passes.append([_iso(now), p.pages_ok, p.error_count, p.items])
        h["passes"] = passes[-MAX_PASSES:]
        for key, value in (("pages", p.pages_ok), ("errors", p.error_count), ("items", p.items)):
            h[f"total_{key}"] = h.get(f"total_{key}", 0) + value
        h.update(summarise(h, now))
        h["status"], h["why"] = judge(source, h, now)
        self.state.put(self.namespace, source.name, h)
        return h


def summarise(health: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Items per hour and error rate over the last 24 h of passes."""
    passes = health.get("passes", [])
    pages = sum(x[1] for x in passes)
    errors = sum(x[2] for x in passes)
    items = sum(x[3] for x in passes)
    first = _parse(passes[0][0]) if passes else None
    hours = max((now - first).total_seconds() / 3600, 1.0) if first else 1.0
    return {
        "items_per_hour": round(items / hours, 2),
        "error_rate": round(errors / (pages + errors), 3) if pages + errors else 0.0,
    }
