"""The review workflow of a report (seed 001: 专人采编、领导审核把关): who may take which step
in which status. Pure functions: a record in, the next record out, or a ReportError that says
in Chinese why not. store.py makes each step atomic; sending itself is in sending.py.

Roles are the dashboard's (alerts/web/users.py): a monitor (or admin) drafts; a monitor,
leader or admin reviews (负责人审核), never the one who drafted it; a leader or admin approves
(领导审核把关), again not the drafter; only an approved report goes out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from alerts.localtime import iso_local
from alerts.reports.records import STATUS_LABELS, ReportRecord, ReportStep
from alerts.web.users import ROLE_LABELS, UserDirectory
from pipeline.models import parse_time

ROLES: dict[str, frozenset[str]] = {
    "draft": frozenset({"monitor", "admin"}),
    "review": frozenset({"monitor", "leader", "admin"}),
    "approve": frozenset({"leader", "admin"}),
    "send": frozenset({"monitor", "leader", "admin"}),
}
SEND_STALE = timedelta(minutes=10)  # a send that crashed may be resumed after this


class ReportError(Exception):
    """A step that may not be taken; `reason` is for people."""

    def __init__(self, report_id: str, action: str, reason: str):
        super().__init__(f"report {report_id}: {action}: {reason}")
        self.report_id, self.action, self.reason = report_id, action, reason


class AlreadySent(ReportError):
    """The report went out before: nothing is sent again."""


@dataclass(frozen=True)
class Actor:
    name: str
    role: str = ""  # "" when the deployment has no dashboard accounts (CLI-only)


def resolve_actor(users: UserDirectory, name: str) -> Actor:
    """A known dashboard user acts with their role; any name is accepted only while the
    deployment has no accounts at all (then the audit trail records the name as given)."""
    user = users.get(name)
    if user is not None:
        if not getattr(user, "active", True):
            raise ReportError("-", "actor", f"用户 {name} 已停用")
        return Actor(user.username, user.role)
    if users.list():
        raise ReportError("-", "actor", f"{name} 不是系统用户（yuqing users add）")
    return Actor(name.strip() or "cli")


def _allowed(actor: Actor, action: str) -> bool:
    return actor.role == "" or actor.role in ROLES[action]


def require_role(record: ReportRecord, actor: Actor, action: str) -> None:
    if not _allowed(actor, action):
        label = ROLE_LABELS.get(actor.role, actor.role)
        raise ReportError(record.report_id, action, f"{label} {actor.name} 无权执行此步骤")


def _require_status(record: ReportRecord, action: str, *allowed: str) -> None:
    if record.status not in allowed:
        wanted = "或".join(STATUS_LABELS[s] for s in allowed)
        raise ReportError(
            record.report_id,
            action,
            f"当前状态为{record.status_label}，只有{wanted}的报告可以执行此步骤",
        )


def _step(
    record: ReportRecord, actor: Actor, action: str, to: str, now: datetime, note: str = ""
) -> ReportRecord:
    entry = ReportStep(
        at=iso_local(now),
        actor=actor.name,
        role=actor.role,
        action=action,
        from_status=record.status,
        to_status=to,
        note=note,
    )
    return record.model_copy(update={"status": to, "history": [*record.history, entry]})


def review(record: ReportRecord, actor: Actor, now: datetime, note: str = "") -> ReportRecord:
    require_role(record, actor, "review")
    _require_status(record, "review", "draft")
    if actor.name == record.drafted_by:
        raise ReportError(record.report_id, "review", "编制人不能审核自己编制的报告")
    done = _step(record, actor, "review", "reviewed", now, note)
    return done.model_copy(update={"reviewed_by": actor.name, "reviewed_at": iso_local(now)})


def approve(record: ReportRecord, actor: Actor, now: datetime, note: str = "") -> ReportRecord:
    require_role(record, actor, "approve")
    if record.status == "draft":
        raise ReportError(record.report_id, "approve", "报告尚未经负责人审核，不能批准")
    _require_status(record, "approve", "reviewed")
    if actor.name == record.drafted_by:
        raise ReportError(record.report_id, "approve", "编制人不能批准自己编制的报告")
    done = _step(record, actor, "approve", "approved", now, note)
    return done.model_copy(update={"approved_by": actor.name, "approved_at": iso_local(now)})


def reject(record: ReportRecord, actor: Actor, now: datetime, reason: str) -> ReportRecord:
    """Back to draft with a reason: by a reviewer before review, else by a leader or admin."""
    if not reason.strip():
        raise ReportError(record.report_id, "reject", "退回须写明理由（--reason）")
    require_role(record, actor, "review" if record.status == "draft" else "approve")
    _require_status(record, "reject", "draft", "reviewed", "approved")
    if record.status == "draft" and actor.name == record.drafted_by:
        raise ReportError(record.report_id, "reject", "草稿由编制人自行修改，无需退回")
    done = _step(record, actor, "reject", "draft", now, reason.strip())
    cleared = {"reviewed_by": "", "reviewed_at": "", "approved_by": "", "approved_at": ""}
    return done.model_copy(update={**cleared, "rejection": reason.strip()})


def redraft(record: ReportRecord, actor: Actor, now: datetime, files: dict) -> ReportRecord:
    """New files for a report not yet sent: back to draft, earlier reviews no longer count."""
    require_role(record, actor, "draft")
    _require_status(record, "redraft", "draft", "reviewed", "approved")
    done = _step(record, actor, "redraft", "draft", now, "文件已重新生成，需重新审核")
    cleared = {"reviewed_by": "", "reviewed_at": "", "approved_by": "", "approved_at": ""}
    update = {**cleared, "files": files, "drafted_by": actor.name, "drafted_at": iso_local(now)}
    return done.model_copy(update=update)


def begin_send(record: ReportRecord, actor: Actor, now: datetime) -> ReportRecord:
    """approved → sending (or resume a send that stopped SEND_STALE ago); refuses the rest."""
    require_role(record, actor, "send")
    if record.status == "sent":
        raise AlreadySent(record.report_id, "send", f"报告已于 {record.sent_at} 发送，不会重复发送")
    if record.status == "sending":
        started = parse_time(record.history[-1].at) if record.history else now
        if now - started < SEND_STALE:
            raise ReportError(record.report_id, "send", "报告正在发送中，请稍后查看结果")
    elif record.status != "approved":
        raise ReportError(
            record.report_id,
            "send",
            f"报告未经领导审核批准，不能发送（当前状态: {record.status_label}）",
        )
    return _step(record, actor, "send", "sending", now)


def finish_send(
    record: ReportRecord, actor: Actor, now: datetime, complete: bool, note: str = ""
) -> ReportRecord:
    """sending → sent when every recipient was reached, else back to approved (a later send
    reaches only those still missing)."""
    if complete:
        done = _step(record, actor, "sent", "sent", now, note)
        return done.model_copy(update={"sent_by": actor.name, "sent_at": iso_local(now)})
    return _step(record, actor, "send_failed", "approved", now, note)


def actions_for(record: ReportRecord, actor: Actor) -> list[str]:
    """The buttons the dashboard offers `actor` on `record` now (the steps still re-check)."""
    offered: list[str] = []
    if record.status == "draft" and actor.name != record.drafted_by:
        offered.append("review")
    if record.status == "reviewed" and actor.name != record.drafted_by:
        offered.append("approve")
    if record.status == "approved":
        offered.append("send")
    allowed = [a for a in offered if _allowed(actor, a)]
    own_draft = record.status == "draft" and actor.name == record.drafted_by
    if record.status in ("draft", "reviewed", "approved") and not own_draft:
        needed = "review" if record.status == "draft" else "approve"
        if _allowed(actor, needed):
            allowed.append("reject")
    return allowed
