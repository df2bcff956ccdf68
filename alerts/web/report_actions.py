"""What the 报告 page and the report API share: who may see reports, drafting one (a period
report, or a case's 专报, in the right county's name), and running a review / approval /
rejection / send step through alerts/reports/workflow.py, which has the last word."""

from __future__ import annotations

from functools import partial

from alerts.reports import workflow
from alerts.reports.records import ReportRecord
from alerts.reports.sending import ReportSender, send_report
from alerts.reports.store import ReportBook
from alerts.reports.workflow import Actor
from alerts.web.auth import Caller
from alerts.web.context import WebContext
from alerts.web.profile_scope import admin_filter, page_profile
from pipeline.models import Case, parse_time

STEP_LABELS = {"review": "审核", "approve": "批准", "reject": "退回", "send": "发送"}
READERS = frozenset({"monitor", "leader", "admin"})  # officers: reports cover every department


def may_see(caller: Caller) -> bool:
    return caller.user.role in READERS


def may_read(web: WebContext, caller: Caller, record: ReportRecord | None) -> bool:
    """A reader may see the reports of their own profile (admins: every profile's; with one
    profile, accounts have none and see all)."""
    if record is None or not may_see(caller):
        return False
    profile = caller.user.profile
    if caller.user.role == "admin" or profile is None:
        return True
    return record.profile_or(web.settings.profile) == profile


def readable(web: WebContext, caller: Caller, chosen: str = "") -> list[ReportRecord]:
    """The reports `caller` may see, newest first; an admin may narrow them to `chosen`."""
    records = [r for r in ReportBook(web.stores.state).list() if may_read(web, caller, r)]
    only = admin_filter(web, caller.user, chosen)
    return [r for r in records if r.profile_or(web.settings.profile) == only] if only else records


def actor_of(caller: Caller) -> Actor:
    return Actor(caller.user.username, caller.user.role)


def role_may(role: str, step: str, record: ReportRecord) -> bool:
    """Whether `role` may ever take `step` on `record` (its status decides the rest)."""
    needed = step
    if step == "reject":
        needed = "review" if record.status == "draft" else "approve"
    return step in STEP_LABELS and role in workflow.ROLES[needed]


def draft(
    web: WebContext,
    caller: Caller,
    kind: str,
    day: str = "",
    case: Case | None = None,
    profile: str = "",
) -> ReportRecord:
    """Draft a daily / weekly / monthly report (`day`: YYYY-MM-DD in its period, or today), or
    a case's 专报; the county named is the case's, else the caller's (an admin's `profile`)."""
    from alerts.reports.drafting import draft_report

    now = web.clock()
    at = parse_time(f"{day}T12:00:00+08:00") if day else now
    drafted = draft_report(
        ReportBook(web.stores.state),
        web.stores,
        web.settings,
        kind,
        case.case_id if case else None,
        at,
        now,
        web.settings.data_dir / "reports",
        actor_of(caller),
        profile=None if case else page_profile(web, caller.user, profile),
    )
    return drafted.record


def run_step(web: WebContext, actor: Actor, report_id: str, step: str, note: str) -> str:
    """Take `step`; the outcome in Chinese. ReportMissing, ReportError (AlreadySent) and
    ConfigError (sending without recipients) pass up to the caller."""
    book, now = ReportBook(web.stores.state), web.clock()
    if step == "send":
        workflow.begin_send(book.get(report_id), actor, now)  # refuse before any channel
        sender = ReportSender(web.settings, stores=web.stores)
        record = send_report(book, sender, report_id, actor, now)
        return "已发送至 " + "、".join(d.recipient for d in record.deliveries)
    do = {
        "review": partial(workflow.review, note=note),
        "approve": partial(workflow.approve, note=note),
        "reject": partial(workflow.reject, reason=note),
    }[step]
    book.update(report_id, lambda r: do(r, actor, now))
    return "已完成，已记入报告经过"


def record_json(record: ReportRecord, actor: Actor) -> dict[str, object]:
    """A record for scripts: no server paths (files as download links), the caller's steps."""
    data = record.summary()
    data["files"] = {
        fmt: {"sha256": f.sha256, "url": f"/reports/{record.report_id}/files/{fmt}"}
        for fmt, f in record.files.items()
    }
    data["status_label"] = record.status_label
    data["kind_label"] = record.kind_label
    data["actions"] = workflow.actions_for(record, actor)
    return data
