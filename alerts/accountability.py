"""考核 / 通报: the response record per department and period, and the news office's own
detection-to-confirmation times. Pure functions of the cases, so the dashboard reuses them.

Time is split as the domain asks: the office owns detection → confirmation (研判), the
department owns the hand-over (confirmation, or an early assignment) → the first published
response. Cases merged into another are not counted twice.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Any, Literal

from alerts.localtime import DEFAULT_TIMEZONE, iso_local, to_local, zone
from alerts.merging import merged_into
from pipeline.models import Case, parse_time

Period = Literal["week", "month"]
# Clocks a department answers for (report_up is the office's own).
ANSWER_CLOCKS = frozenset(
    {"first_response", "response", "press_conference", "verified_answer", "same_day"}
)


def period_bounds(
    period: Period, at: datetime, tz: str = DEFAULT_TIMEZONE
) -> tuple[datetime, datetime]:
    """The local calendar week (Monday 00:00) or month that contains `at`: [start, end)."""
    day = to_local(at, tz).date()
    if period == "week":
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=7)
    else:
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1)
    return _midnight(first, tz), _midnight(last, tz)


def _midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=zone(tz))


def _hours(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds() / 3600, 2)


def _median(values: list[float]) -> float | None:
    return round(median(values), 2) if values else None


def _first_event(case: Case, event: str) -> datetime | None:
    times = [parse_time(e.at) for e in case.timeline if e.detail.get("event") == event]
    return min(times) if times else None


def handed_over_at(case: Case) -> datetime | None:
    """When the department got the case: the first assignment (研判 or at once)."""
    assigned = _first_event(case, "assigned")
    if assigned is not None:
        return assigned
    return parse_time(case.confirmed_at) if case.confirmed_at else None


def first_answer_at(case: Case, now: datetime) -> datetime | None:
    times = [
        parse_time(r.published_at)
        for r in case.responses
        if r.review.state == "approved" and r.published_at and parse_time(r.published_at) <= now
    ]
    return min(times) if times else None


@dataclass
class DepartmentRecord:
    code: str
    name: str
    received: int = 0  # cases handed to it as lead department
    confirmed: int = 0  # of those, confirmed by 研判
    acknowledged_on_time: int = 0  # 签收 within the profile's acknowledge_within_hours
    answered_on_time: int = 0  # answered, no answer clock breached
    late: int = 0  # answered, but an answer clock breached
    missing: int = 0  # an answer clock breached and still unanswered
    pending: int = 0  # not answered yet, nothing breached
    median_answer_hours: float | None = None  # hand-over → first published response
    answer_hours: list[float] = field(default_factory=list)


@dataclass
class OfficeRecord:
    cases: int = 0  # cases detected in the period
    confirmed: int = 0
    dismissed: int = 0
    unconfirmed: int = 0
    median_confirm_hours: float | None = None  # detection → 研判
    max_confirm_hours: float | None = None
    report_up_met: int = 0
    report_up_breached: int = 0
    confirm_hours: list[float] = field(default_factory=list)


@dataclass
class AccountabilityReport:
    period: Period
    start: str
    end: str
    departments: list[DepartmentRecord]
    office: OfficeRecord

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def in_period(case: Case, start: datetime, end: datetime) -> bool:
    return start <= parse_time(case.detected_at) < end and merged_into(case) is None


def _department(record: DepartmentRecord, case: Case, now: datetime, ack_hours: float) -> None:
    record.received += 1
    record.confirmed += case.confirmed_at is not None
    handed = handed_over_at(case)
    acked = _first_event(case, "acknowledged")
    if handed and acked and acked <= handed + timedelta(hours=ack_hours):
        record.acknowledged_on_time += 1
    answered = first_answer_at(case, now)
    breached = any(c.name in ANSWER_CLOCKS and c.state == "breached" for c in case.clocks)
    if answered is not None:
        if breached:
            record.late += 1
        else:
            record.answered_on_time += 1
        if handed is not None:
            record.answer_hours.append(_hours(handed, answered))
    elif breached:
        record.missing += 1
    else:
        record.pending += 1


def _office(record: OfficeRecord, case: Case) -> None:
    record.cases += 1
    if case.status == "dismissed":
        record.dismissed += 1
    if case.confirmed_at:
        record.confirmed += 1
        record.confirm_hours.append(
            _hours(parse_time(case.detected_at), parse_time(case.confirmed_at))
        )
    elif case.status != "dismissed":
        record.unconfirmed += 1
    for clock in case.clocks:
        if clock.name == "report_up":
            record.report_up_met += clock.state == "met"
            record.report_up_breached += clock.state == "breached"


def accountability(
    cases: list[Case],
    period: Period,
    at: datetime,
    now: datetime,
    ack_hours: float = 2.0,
    tz: str = DEFAULT_TIMEZONE,
) -> AccountabilityReport:
    """The figures of the `period` that contains `at`, as things stood at `now`."""
    start, end = period_bounds(period, at, tz)
    departments: dict[str, DepartmentRecord] = {}
    office = OfficeRecord()
    for case in cases:
        if not in_period(case, start, end):
            continue
        _office(office, case)
        lead = case.lead_department
        if lead is None or case.status == "dismissed" or handed_over_at(case) is None:
            continue
        record = departments.setdefault(lead.code, DepartmentRecord(lead.code, lead.name))
        _department(record, case, now, ack_hours)
    for record in departments.values():
        record.median_answer_hours = _median(record.answer_hours)
    office.median_confirm_hours = _median(office.confirm_hours)
    office.max_confirm_hours = max(office.confirm_hours) if office.confirm_hours else None
    ordered = sorted(departments.values(), key=lambda r: (-r.missing, -r.late, r.code))
    return AccountabilityReport(period, iso_local(start, tz), iso_local(end, tz), ordered, office)
