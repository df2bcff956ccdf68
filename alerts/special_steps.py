"""Steps for special cases: a rumour handed over to the police or the cyberspace authority
(移交公安机关、网络监管部门, with evidence), and the joint meeting (会商联席会议) that a major
case convenes — its members, the meeting and the agreed line (口径).
"""

from __future__ import annotations

from collections.abc import Sequence

from alerts.localtime import iso_local
from alerts.steps import StepContext, append, department, entry, fail, require_open
from pipeline.models import Case, PoliceHandover, parse_time

MAJOR_SEVERITIES = ("major", "especially_major")


def handover(
    case: Case, ctx: StepContext, to: str, evidence: Sequence[str] = (), at: str | None = None
) -> Case:
    """移交: a rumour case's evidence (item ids of the case; default all) handed over."""
    step = "handover"
    require_open(case, step)
    if "rumor" not in case.categories:
        raise fail(case, step, "only rumour cases (rumor) are handed over; correct the category")
    if case.police_handover is not None:
        raise fail(case, step, f"already handed over to {case.police_handover.to}")
    if not to.strip():
        raise fail(case, step, "say to whom (--to), e.g. 县公安局 or 县委网信办")
    unknown = [e for e in evidence if e not in case.items]
    if unknown:
        raise fail(case, step, f"evidence {unknown[0]!r} is not an item of this case")
    when = ctx.at
    if at:
        try:
            when = iso_local(parse_time(at))
        except ValueError as exc:
            raise fail(case, step, f"--at: {exc}") from None
    ids = list(evidence) or list(case.items)
    record = PoliceHandover(to=to, at=when, evidence=ids)
    what = f"移交: {to}，证据 {len(ids)} 条（{'、'.join(ids[:5])}{'…' if len(ids) > 5 else ''}）"
    return append(
        case,
        entry(ctx, what, "police_handover", to=to, handed_over_at=when, evidence=ids),
        police_handover=record,
    )


def is_major(case: Case) -> bool:
    return case.severity in MAJOR_SEVERITIES or case.importance == "important"


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
        raise fail(case, step, "only a major or important case convenes the joint meeting")
    if not line.strip():
        raise fail(case, step, "record the agreed line (--line, 口径)")
    if not members:
        if ctx.directory is None or ctx.directory.joint_meeting is None:
            raise fail(case, step, "no joint meeting in the profile: name the members (--member)")
        jm = ctx.directory.joint_meeting
        members = [jm.lead, *jm.members]
    refs = [department(case, step, ctx, m, "co", "联席会议") for m in members]
    when = ctx.at
    if held_at:
        try:
            when = iso_local(parse_time(held_at))
        except ValueError as exc:
            raise fail(case, step, f"--held-at: {exc}") from None
    names = "、".join(r.name for r in refs)
    what = f"联席会议: {when[:16].replace('T', ' ')}，参会 {names}；口径: {line}"
    what += f"；{note}" if note else ""
    return append(
        case,
        entry(
            ctx,
            what,
            "joint_meeting",
            members=[r.code for r in refs],
            held_at=when,
            line=line,
            note=note,
        ),
    )
