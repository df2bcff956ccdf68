"""Drafting a report: gather its content, write the .docx and .html, and register the record
as a draft (or a new draft of the same period's report when it has not been sent yet; a sent
report stays as it was sent and its revision gets the id `…-r2`). Used by `yuqing report
daily|weekly|monthly|case` and by the dashboard's 报告 page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from alerts.localtime import display_local, iso_local
from alerts.reports.chart import per_day_png
from alerts.reports.content import Kind, ReportContent, case_report, period_report
from alerts.reports.records import ReportRecord, ReportStep, report_file
from alerts.reports.scope import ReportScope, known, report_scope
from alerts.reports.store import ReportBook
from alerts.reports.workflow import Actor, ReportError, redraft, require_role
from alerts.reports.writers import write_docx, write_html
from alerts.resolver import PolicyResolver
from pipeline.config import Settings
from pipeline.models import Case
from pipeline.storage.base import Stores

MAX_REVISIONS = 99


@dataclass
class Drafted:
    record: ReportRecord
    docx: Path
    html: Path


def gather(
    stores: Stores,
    settings: Settings,
    scope: ReportScope,
    kind: str,
    case: Case | None,
    at: datetime,
    now: datetime,
) -> ReportContent:
    """What the report says: the case's 专报, or the period's figures of `scope`."""
    if case is not None:
        return case_report(case, scope.jurisdiction, now)
    policy = PolicyResolver.from_settings(settings).policy_for(scope.only or settings.profile)
    ack_hours = policy.option("accountability").acknowledge_within_hours
    period: Kind = kind  # type: ignore[assignment]
    return period_report(
        stores,
        period,
        at,
        now,
        scope.jurisdiction,
        policy.timezone,
        ack_hours,
        profile=scope.only,
        counties=scope.counties,
    )


def base_id(kind: str, content: ReportContent, case_id: str | None, scope: ReportScope) -> str:
    """weekly-2026-11-16 (the period's first day; scope.py adds a county's name), or the
    case id for a 专报."""
    if kind == "case":
        case_id = case_id or ""
        return case_id if case_id.startswith("case-") else f"case-{case_id}"
    return scope.report_id(kind, display_local(content.start)[:10])


def scope_of(
    stores: Stores, settings: Settings, kind: str, case_id: str | None, profile: str | None
) -> tuple[ReportScope, Case | None]:
    """The report's profile and, for a 专报, its case (whose profile it is)."""
    if kind != "case":
        return report_scope(settings, profile), None
    case = stores.cases.get(case_id or "")
    if case is None:
        raise ReportError(f"case-{case_id}", "draft", f"没有案件 {case_id}")
    return report_scope(settings, case.profile if case.profile in known(settings) else None), case


def choose_id(book: ReportBook, base: str) -> tuple[str, ReportRecord | None]:
    """The id to draft under: the period's report unless it was sent (then its revision)."""
    for n in range(1, MAX_REVISIONS + 1):
        report_id = base if n == 1 else f"{base}-r{n}"
        existing = book.find(report_id)
        if existing is None or existing.status != "sent":
            if existing is not None and existing.status == "sending":
                raise ReportError(report_id, "draft", "报告正在发送中，不能重新生成")
            return report_id, existing
    raise ReportError(base, "draft", f"修订超过 {MAX_REVISIONS} 次")


def draft_report(
    book: ReportBook,
    stores: Stores,
    settings: Settings,
    kind: str,
    case_id: str | None,
    at: datetime,
    now: datetime,
    out_dir: Path,
    actor: Actor,
    profile: str | None = None,
) -> Drafted:
    """Write the files and store the draft of `profile`'s report (None: the default's; a
    专报 is its case's); the actor must be allowed to draft."""
    probe = ReportRecord(report_id="-", kind=kind, title="", period="")  # type: ignore[arg-type]
    require_role(probe, actor, "draft")
    scope, case = scope_of(stores, settings, kind, case_id, profile)
    content = gather(stores, settings, scope, kind, case, at, now)
    report_id, existing = choose_id(book, base_id(kind, content, case_id, scope))
    chart = per_day_png(content.per_day, "每日相关信息量（按类别）") if content.per_day else None
    out_dir.mkdir(parents=True, exist_ok=True)
    issued = f"{display_local(now)} 编制"
    docx = write_docx(content, chart, out_dir / f"yuqing-{report_id}.docx", issued)
    html = write_html(content, chart, out_dir / f"yuqing-{report_id}.html", issued)
    files = {"docx": report_file(docx), "html": report_file(html)}
    if existing is not None:
        record = book.update(report_id, lambda r: redraft(r, actor, now, files))
        return Drafted(record, docx, html)
    record = ReportRecord(
        report_id=report_id,
        kind=kind,  # type: ignore[arg-type]
        title=content.title,
        period=content.subtitle,
        start=iso_local(content.start),
        end=iso_local(content.end),
        case_id=case_id if kind == "case" else None,
        profile=scope.name,
        files=files,
        drafted_by=actor.name,
        drafted_at=iso_local(now),
    )
    step = ReportStep(
        at=iso_local(now), actor=actor.name, role=actor.role, action="draft", to_status="draft"
    )
    return Drafted(book.create(record.model_copy(update={"history": [step]})), docx, html)
