"""The case events a clock starts from or is met by, found on the case record itself.

A policy names events (`detected`, `first_response`, `report_delivered`, …); this module is
the one place that says where each is recorded. Workflow steps that have no field of their
own are timeline entries whose `detail["event"]` names the event (e.g. the notifications
stage records `report_delivered`; a department's verification records `problem_confirmed`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pipeline.models import Case, Response, parse_time

# Response kinds the workflow records (contracts.md: several responses per case).
PRESS_CONFERENCE = "press_conference"
ANSWER_KINDS = ("authoritative_answer", "result", "official_reply")
RESPONSE_KINDS = (
    "statement",  # 情况通报 / 滚动发布
    "rebuttal",  # 辟谣
    PRESS_CONFERENCE,
    *ANSWER_KINDS,
)


def _times(values: list[str | None]) -> list[datetime]:
    return sorted(parse_time(v) for v in values if v)


def _published(case: Case, keep: Callable[[Response], bool] = lambda r: True) -> list[datetime]:
    """先审查、后公开: only approved responses count as published."""
    return _times(
        [r.published_at for r in case.responses if r.review.state == "approved" and keep(r)]
    )


def _timeline(name: str) -> Callable[[Case], list[datetime]]:
    def find(case: Case) -> list[datetime]:
        return _times([e.at for e in case.timeline if e.detail.get("event") == name])

    return find


EVENTS: dict[str, Callable[[Case], list[datetime]]] = {
    # case fields
    "detected": lambda c: _times([c.detected_at]),
    "opened": lambda c: _times([c.opened_at]),
    "confirmed": lambda c: _times([c.confirmed_at]),  # 研判: a monitor confirmed the case
    # responses
    "first_response": lambda c: _published(c),
    "press_conference": lambda c: _published(c, lambda r: r.kind == PRESS_CONFERENCE),
    "authoritative_answer": lambda c: _published(
        c, lambda r: r.kind in ANSWER_KINDS and bool(r.url)
    ),
    # workflow steps recorded on the timeline
    "problem_confirmed": _timeline("problem_confirmed"),  # verification found it real
    "report_delivered": _timeline("report_delivered"),  # the report to leaders delivered
    "result_reported": _timeline("result_reported"),  # the handling result reported up
    "assigned": _timeline("assigned"),  # handed to the departments (at 研判, or at once)
    "acknowledged": _timeline("acknowledged"),  # the lead department signed for it
}
KNOWN_EVENTS = tuple(EVENTS)


def event_times(case: Case, name: str, now: datetime | None = None) -> list[datetime]:
    """When `name` happened on `case`, oldest first; events after `now` are not yet."""
    try:
        found = EVENTS[name](case)
    except KeyError:
        raise KeyError(f"unknown case event {name!r}; known: {', '.join(KNOWN_EVENTS)}") from None
    return [t for t in found if now is None or t <= now]


def first_time(case: Case, name: str, now: datetime | None = None) -> datetime | None:
    found = event_times(case, name, now)
    return found[0] if found else None


def all_happened_at(
    case: Case, names: list[str], now: datetime | None, not_before: datetime | None = None
) -> datetime | None:
    """When every event of `names` had happened (the latest of their first occurrences at or
    after `not_before`), or None while one is missing."""
    latest: datetime | None = None
    for name in names:
        times = [t for t in event_times(case, name, now) if not_before is None or t >= not_before]
        if not times:
            return None
        latest = times[0] if latest is None else max(latest, times[0])
    return latest
