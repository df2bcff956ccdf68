"""What a report says, gathered from the stores: the period, counts by category, town and
department, the cases and how each was answered, rumours and their handover, and the
accountability figures; a case report holds one case. Pure data; writers lay it out."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Literal

from alerts.accountability import AccountabilityReport, accountability, first_answer_at
from alerts.accountability import period_bounds as calendar_bounds
from alerts.labels import CATEGORY_LABELS
from alerts.localtime import display_local, to_local, zone
from alerts.merging import merged_into
from alerts.responses import RESPONSE_LABELS
from alerts.status import STATUS_LABELS
from pipeline.models import Case, ScoredItem, parse_time
from pipeline.storage.base import CaseQuery, ItemQuery, Stores

Kind = Literal["daily", "weekly", "monthly"]
TITLES = {"daily": "舆情日报", "weekly": "舆情周报", "monthly": "舆情月报"}
PAGE, MAX_ITEMS = 1000, 50_000


@dataclass
class ReportContent:
    title: str
    subtitle: str
    start: datetime
    end: datetime
    items_total: int = 0
    items_relevant: int = 0
    by_category: list[tuple[str, int]] = field(default_factory=list)
    by_town: list[tuple[str, int]] = field(default_factory=list)
    by_department: list[tuple[str, int]] = field(default_factory=list)
    by_county: list[tuple[str, int]] = field(default_factory=list)  # a roll-up's counties
    per_day: dict[str, Counter] = field(default_factory=dict)  # day → category label counts
    cases: list[list[str]] = field(default_factory=list)  # rows of the cases table
    rumours: list[list[str]] = field(default_factory=list)
    accountability: AccountabilityReport | None = None
    case: Case | None = None  # a case report


def bounds(kind: Kind, now: datetime, tz: str) -> tuple[datetime, datetime]:
    if kind == "daily":
        day = to_local(now, tz).date()
        start = datetime.combine(day, time(0, 0), tzinfo=zone(tz))
        return start, start + timedelta(days=1)
    return calendar_bounds("week" if kind == "weekly" else "month", now, tz)


def items_between(
    stores: Stores, start: datetime, end: datetime, profile: str | None = None
) -> list[ScoredItem]:
    """Items crawled (detected) in [start, end), of one profile (None: every one)."""
    found: list[ScoredItem] = []
    since, until = start.astimezone(UTC).isoformat(), end.astimezone(UTC).isoformat()
    while len(found) < MAX_ITEMS:
        query = ItemQuery(profile=profile, since=since, until=until, limit=PAGE, offset=len(found))
        page = stores.items.search(query)
        found += page
        if len(page) < PAGE:
            break
    return found


def case_row(case: Case, now: datetime) -> list[str]:
    answered = first_answer_at(case, now)
    answers = "；".join(
        f"{RESPONSE_LABELS.get(r.kind, r.kind)} {display_local(r.published_at)}: {r.text[:40]}"
        for r in case.responses
        if r.review.state == "approved"
    )
    breached = [c.name for c in case.clocks if c.state == "breached"]
    return [
        case.title,
        "、".join(CATEGORY_LABELS.get(c, c) for c in case.categories) or "—",
        case.lead_department.name if case.lead_department else "—",
        STATUS_LABELS.get(case.status, case.status),
        display_local(answered) if answered else "未回应",
        answers or "—",
        "超期" if breached else "按时/未到期",
    ]


def rumour_row(case: Case) -> list[str]:
    handover = case.police_handover
    rebuttal = any(r.kind == "rebuttal" and r.review.state == "approved" for r in case.responses)
    return [
        case.title,
        STATUS_LABELS.get(case.status, case.status),
        "已辟谣" if rebuttal else "未辟谣",
        f"{handover.to} {display_local(handover.at)}（证据 {len(handover.evidence)} 条）"
        if handover
        else "未移交",
    ]


def period_report(
    stores: Stores,
    kind: Kind,
    at: datetime,
    now: datetime,
    jurisdiction: str,
    tz: str,
    ack_hours: float,
    profile: str | None = None,
    counties: dict[str, str] | None = None,
) -> ReportContent:
    """The report of the day, week or month that contains `at`, as things stood at `now`:
    the items and cases of `profile` (None: all of them); `counties` (profile → its name)
    makes it a roll-up with a table by county."""
    start, end = bounds(kind, at, tz)
    items = items_between(stores, start, end, profile)
    relevant = [i for i in items if i.relevant]
    cases = [
        c
        for c in stores.cases.list(CaseQuery(profile=profile, limit=1_000_000))
        if start <= parse_time(c.detected_at) < end and merged_into(c) is None
    ]
    last = display_local(end - timedelta(seconds=1))[:10]
    span = display_local(start)[:10] + ("" if kind == "daily" else f" 至 {last}")
    report = ReportContent(f"{jurisdiction}{TITLES[kind]}", span, start, end)
    report.items_total, report.items_relevant = len(items), len(relevant)
    categories = Counter(CATEGORY_LABELS.get(c, c) for i in relevant for c in i.categories)
    report.by_category = [(label, categories.get(label, 0)) for label in CATEGORY_LABELS.values()]
    report.by_town = Counter(i.jurisdiction.name for i in relevant).most_common()
    report.by_department = Counter(
        d.name for i in relevant for d in i.departments if d.role == "lead"
    ).most_common()
    if counties:
        found = Counter(counties.get(i.profile, i.profile) for i in relevant)
        report.by_county = [(name, found.get(name, 0)) for name in counties.values()]
        report.by_county += [(k, v) for k, v in found.items() if k not in counties.values()]
    days = (end - start).days or 1
    report.per_day = {display_local(start + timedelta(days=n))[:10]: Counter() for n in range(days)}
    for item in relevant:  # by publish day, as the dashboard's trends
        day = display_local(item.published_at)[:10]
        if day in report.per_day:
            report.per_day[day].update(
                CATEGORY_LABELS.get(c, c) for c in item.categories or ["none"]
            )
    report.cases = [case_row(c, now) for c in sorted(cases, key=lambda c: c.detected_at)]
    report.rumours = [rumour_row(c) for c in cases if "rumor" in c.categories]
    if kind != "daily":
        period = "week" if kind == "weekly" else "month"
        report.accountability = accountability(cases, period, start, now, ack_hours, tz)
    return report


def case_report(case: Case, jurisdiction: str, now: datetime) -> ReportContent:
    detected = parse_time(case.detected_at)
    report = ReportContent(f"{jurisdiction}舆情专报", case.title, detected, now, case=case)
    report.cases = [case_row(case, now)]
    if "rumor" in case.categories:
        report.rumours = [rumour_row(case)]
    return report
