"""The case events a clock starts from or is met by, found on the case record itself.

A policy names events (`detected`, `first_response`, `report_delivered`, …); this module is
the one place that says where each is recorded. Workflow steps that have no field of their
own are timeline entries whose `detail["event"]` names the event (e.g. the notifications
stage records `report_delivered`; a department's verification records `problem_confirmed`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache

from pipeline.models import Case, Response, TimelineEntry, parse_time

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


class _TimelineIndex:
    """The times of each event on one timeline list, read in one pass and extended as the
    list grows: a clock refresh asks for several events per clock, and a large case's
    timeline was scanned once per question (12 % of the alert stage in the soak)."""

    def __init__(self, timeline: list[TimelineEntry]):
        self.timeline = timeline  # held, so its id is not reused while cached
        self.seen = 0
        self.last: TimelineEntry | None = None
        self.times: dict[str, list[datetime]] = {}

    def fits(self, timeline: list[TimelineEntry]) -> bool:
        """Whether `timeline` is this list grown by appends only (the entries seen unmoved)."""
        n = self.seen
        return (
            timeline is self.timeline
            and len(timeline) >= n
            and (n == 0 or timeline[n - 1] is self.last)
        )

    def update(self) -> _TimelineIndex:
        for e in self.timeline[self.seen :]:
            name = e.detail.get("event")
            if isinstance(name, str):
                self.times.setdefault(name, []).append(_parse(e.at))
        self.seen = len(self.timeline)
        self.last = self.timeline[-1] if self.timeline else None
        return self


_INDEXES: OrderedDict[int, _TimelineIndex] = OrderedDict()
MAX_INDEXES = 64


def _index(case: Case) -> _TimelineIndex:
    timeline = case.timeline
    found = _INDEXES.get(id(timeline))
    if found is None or not found.fits(timeline):
        found = _TimelineIndex(timeline)
        _INDEXES[id(timeline)] = found
        while len(_INDEXES) > MAX_INDEXES:
            _INDEXES.popitem(last=False)
    _INDEXES.move_to_end(id(timeline))
    return found.update()


def _timeline(name: str) -> Callable[[Case], list[datetime]]:
    def find(case: Case) -> list[datetime]:
        return sorted(_index(case).times.get(name, ()))

    return find


@lru_cache(maxsize=8192)
def _parse(value: str) -> datetime:
    return parse_time(value)


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
