"""Steps for special cases: a rumour handed over to the police or the cyberspace authority
(移交公安机关、网络监管部门, with evidence), and the joint meeting (会商联席会议) that a major
case convenes — convening it (召集: members notified through the outbox), then the meeting
itself and the agreed line (口径).
"""

from __future__ import annotations

from collections.abc import Sequence

from alerts.localtime import iso_local
from alerts.notices import alert_entry
from alerts.recipients import names
from alerts.steps import StepContext, append, department, entry, fail, require_open
from pipeline.models import Case, PoliceHandover, parse_time
from pipeline.profile import JurisdictionProfile

MAJOR_SEVERITIES = ("major", "especially_major")
NOT_MAJOR = "只有重大或重要舆情案件才召开联席会议"
NO_MEETING = "辖区档案中没有联席会议，请指定参会部门"
CONVENED = "meeting_convened"  # timeline event of 召集
HELD = "joint_meeting"  # timeline event of the meeting recorded


def handover(
    case: Case, ctx: StepContext, to: str, evidence: Sequence[str] = (), at: str | None = None
) -> Case:
    """移交: a rumour case's evidence (item ids of the case; default all) handed over."""
    step = "handover"
    require_open(case, step)
    if "rumor" not in case.categories:
        why = "只有造谣传谣类案件才移交；请先在研判中更正类别"
        raise fail(case, step, why, "not_a_rumour")
    if case.police_handover is not None:
        why = f"本案已移交{case.police_handover.to}"
        raise fail(case, step, why, "already_handed_over")
    if not to.strip():
        why = "请填写移交对象，例如 县公安局 或 县委网信办"
        raise fail(case, step, why, "recipient_required")
    unknown = [e for e in evidence if e not in case.items]
    if unknown:
        why = f"证据 {unknown[0]} 不是本案的信息"
        raise fail(case, step, why, "unknown_evidence")
    when = _time(case, step, ctx, at, "移交时间")
    ids = list(evidence) or list(case.items)
    record = PoliceHandover(to=to, at=when, evidence=ids)
    what = f"移交: {to}，证据 {len(ids)} 条（{'、'.join(ids[:5])}{'…' if len(ids) > 5 else ''}）"
    return append(
        case,
        entry(ctx, what, "police_handover", to=to, handed_over_at=when, evidence=ids),
        police_handover=record,
    )


def _time(case: Case, step: str, ctx: StepContext, value: str | None, what: str) -> str:
    """`value` (ISO 8601 with offset) in local time; now when not given."""
    if not value:
        return ctx.at
    try:
        return iso_local(parse_time(value))
    except ValueError:
        why = f"{what}格式不对（{value}），例如 2026-05-01T09:30+08:00"
        raise fail(case, step, why, "bad_time") from None


def is_major(case: Case) -> bool:
    return case.severity in MAJOR_SEVERITIES or case.importance == "important"


def default_members(directory: JurisdictionProfile | None) -> list[str]:
    """The profile's joint meeting: its lead (the news office) and its members."""
    if directory is None or directory.joint_meeting is None:
        return []
    jm = directory.joint_meeting
    return [jm.lead, *jm.members]


def awaiting_meeting(case: Case) -> bool:
    """Convened, and the meeting not recorded since (the latest 召集 is still open)."""
    events = [e.detail.get("event") for e in case.timeline]
    last = {event: i for i, event in enumerate(events) if event in (CONVENED, HELD)}
    return last.get(CONVENED, -1) > last.get(HELD, -1)


def convene(
    case: Case,
    ctx: StepContext,
    members: Sequence[str] = (),
    at: str | None = None,
    place: str = "",
    note: str = "",
) -> Case:
    """召集: the joint meeting on a major or important case — members (default: the
    profile's joint meeting) get a "meeting" notice saying when and where it meets."""
    step = "convene"
    require_open(case, step)
    if not is_major(case):
        raise fail(case, step, NOT_MAJOR, "not_major")
    if awaiting_meeting(case):
        why = "联席会议已召集、尚未召开，请先记录会议"
        raise fail(case, step, why, "meeting_pending")
    members = list(members) or default_members(ctx.directory)
    if not members:
        raise fail(case, step, NO_MEETING, "members_required")
    found = [department(case, step, ctx, m, "co", "联席会议") for m in members]
    refs = list({r.code: r for r in found}.values())  # each department once, in order
    codes = [r.code for r in refs]
    recipients = [{"role": "joint_meeting", "code": r.code, "name": r.name} for r in refs]
    meets_at = _time(case, step, ctx, at, "开会时间")
    when = meets_at[:16].replace("T", " ")
    jm = ctx.directory.joint_meeting if ctx.directory else None
    where = f"，地点 {place}" if place else ""
    also = f"；{note}" if note else ""
    text = f"会商: 召集{jm.name if jm else '联席会议'}研究「{case.title}」，时间 {when}{where}"
    text += f"，请 {names(recipients)} 参加{also}"
    notice = alert_entry(
        case,
        "meeting",
        f"convene-{ctx.at}",
        text,
        recipients,
        ctx.now,
        actor=ctx.actor,
        members=codes,
        meets_at=meets_at,
    )
    record = entry(
        ctx,
        f"召集联席会议: {when}{where}，已通知 {names(recipients)}{also}",
        CONVENED,
        members=codes,
        meets_at=meets_at,
        place=place,
        note=note,
    )
    return append(case, record, notice)


def meeting(
    case: Case,
    ctx: StepContext,
    line: str,
    members: Sequence[str] = (),
    held_at: str | None = None,
    note: str = "",
) -> Case:
    """会商: the joint meeting on a major case — members (default: the profile's joint
    meeting), when it met, and the agreed line (口径) every department answers with."""
    step = "meeting"
    require_open(case, step)
    if not is_major(case):
        raise fail(case, step, NOT_MAJOR, "not_major")
    if not line.strip():
        raise fail(case, step, "请填写会商确定的口径", "line_required")
    members = list(members) or default_members(ctx.directory)
    if not members:
        raise fail(case, step, NO_MEETING, "members_required")
    refs = [department(case, step, ctx, m, "co", "联席会议") for m in members]
    when = _time(case, step, ctx, held_at, "会议时间")
    names = "、".join(r.name for r in refs)
    what = f"联席会议: {when[:16].replace('T', ' ')}，参会 {names}；口径: {line}"
    what += f"；{note}" if note else ""
    return append(
        case,
        entry(
            ctx,
            what,
            HELD,
            members=[r.code for r in refs],
            held_at=when,
            line=line,
            note=note,
        ),
    )
