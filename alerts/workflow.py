"""The department-facing workflow steps: 研判 (confirm), acknowledge, assign / reassign, verify,
report up, close and dismiss. Responses and their review are in responses.py; the rumour
hand-over and the joint meeting in special_steps.py; merging two cases in merging.py.

Each step is pure: (case, StepContext, …) → case, or WorkflowError with the case unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from alerts.labels import CATEGORY_LABELS, categories_text
from alerts.localtime import display_local, iso_local
from alerts.notices import alert_entry
from alerts.recipients import names, resolve
from alerts.status import transition
from alerts.steps import (
    StepContext,
    append,
    department,
    departments_text,
    entry,
    fail,
    happened,
    require_open,
    require_status,
    snapshot,
    status_label,
    town,
)
from pipeline.models import CATEGORIES, Case, TimelineEntry

AFTER_HANDOVER = ("acknowledged", "verifying", "responded")


def _not_now(case: Case) -> str:
    return f"案件当前状态为「{status_label(case.status)}」，不能执行这一步"


def confirm(
    case: Case,
    ctx: StepContext,
    categories: Sequence[str] | None = None,
    lead: str | None = None,
    co: Sequence[str] | None = None,
    town_name: str | None = None,
    note: str = "",
) -> Case:
    """研判: a monitor confirms or corrects the proposal; the case goes to the departments.
    A case assigned at once (profile option) is confirmed after, without a status change."""
    step = "confirm"
    require_open(case, step)
    if case.confirmed_at is not None:
        at = display_local(case.confirmed_at)
        raise fail(case, step, f"本案已于 {at} 研判确认", "already_confirmed")
    early = case.status in AFTER_HANDOVER and happened(case, "assigned")
    if case.status != "new" and not early:
        raise fail(case, step, _not_now(case), "wrong_status")
    before = snapshot(case)
    update: dict[str, object] = {}
    if categories is not None:
        unknown = [c for c in categories if c not in CATEGORIES]
        if unknown:
            known = "、".join(CATEGORY_LABELS.get(c, c) for c in CATEGORIES)
            why = f"未知类别「{unknown[0]}」（可选: {known}）"
            raise fail(case, step, why, "unknown_category")
        update["categories"] = list(dict.fromkeys(categories))
    if lead:
        update["lead_department"] = department(case, step, ctx, lead, "lead", f"研判: {ctx.actor}")
    if co is not None:
        refs = [department(case, step, ctx, c, "co", f"研判: {ctx.actor}") for c in co]
        lead_ref = update.get("lead_department", case.lead_department)
        lead_code = lead_ref.code if lead_ref is not None else None  # type: ignore[union-attr]
        update["co_departments"] = [r for r in refs if r.code != lead_code]
    if town_name:
        update["jurisdiction"] = town(case, step, ctx, town_name)
    changed = case.model_copy(update=update)
    if changed.lead_department is None:
        why = "尚无建议的牵头部门，请选择牵头部门"
        raise fail(case, step, why, "lead_required")
    after = snapshot(changed)
    corrected = before != after
    what = f"研判确认: 类别 {categories_text(changed.categories)}；部门 {departments_text(changed)}"
    what += "（已更正系统建议）" if corrected else "（同意系统建议）"
    what += f"；{note}" if note else ""
    confirmed = entry(
        ctx, what, "confirmed", before=before, after=after, corrected=corrected, note=note
    )
    if early:
        changed = append(changed, confirmed, confirmed_at=ctx.at)
        if before["lead_department"] == after["lead_department"]:
            return changed
        # the early hand-over went to another department: hand it over again
        changed = transition(changed, "confirmed", ctx.actor, ctx.now, "研判更正牵头部门", step)
    else:
        changed = transition(changed, "confirmed", ctx.actor, ctx.now, step=step)
        changed = append(changed, confirmed)
    handed = entry(
        ctx, f"交办: {departments_text(changed)}", "assigned", departments=_codes(changed)
    )
    return append(changed, handed, assignment_notice(changed, ctx))


def assignment_notice(case: Case, ctx: StepContext) -> TimelineEntry:
    """The notice that tells the departments the case is theirs now."""
    recipients = resolve(["lead_department", "co_departments"], case, ctx.directory)
    text = f"交办: 「{case.title}」请 {names(recipients)} 签收办理"
    marker = f"assigned-{_codes(case)[0]}-{ctx.at}"
    return alert_entry(case, "assignment", marker, text, recipients, ctx.now, actor=ctx.actor)


def _codes(case: Case) -> list[str]:
    lead = [case.lead_department.code] if case.lead_department else []
    return lead + [d.code for d in case.co_departments]


def acknowledge(case: Case, ctx: StepContext, note: str = "") -> Case:
    """签收: the lead department takes the case (or a case assigned at once, before 研判)."""
    step = "ack"
    require_open(case, step)
    early = case.status == "new" and happened(case, "assigned")
    if case.status != "confirmed" and not early:
        raise fail(case, step, _not_now(case) + "，请先研判确认", "wrong_status")
    lead = case.lead_department.name if case.lead_department else "—"
    return transition(
        case,
        "acknowledged",
        ctx.actor,
        ctx.now,
        f"{lead}签收" + (f"；{note}" if note else ""),
        step,
        {"event": "acknowledged", "department": _codes(case)[:1]},
    )


def assign(case: Case, ctx: StepContext, lead: str, co: Sequence[str] | None, reason: str) -> Case:
    """Reassign (改派): another lead department, with a reason; it must sign for it again."""
    step = "assign"
    require_status(case, step, ("confirmed", *AFTER_HANDOVER[:2]))
    if not reason.strip():
        raise fail(case, step, "改派须填写理由", "reason_required")
    new_lead = department(case, step, ctx, lead, "lead", f"改派: {reason}")
    refs = [department(case, step, ctx, c, "co", f"改派: {reason}") for c in co or ()]
    old = departments_text(case)
    keep_co = co is None
    changed = case.model_copy(
        update={
            "lead_department": new_lead,
            "co_departments": (
                [d for d in case.co_departments if d.code != new_lead.code]
                if keep_co
                else [r for r in refs if r.code != new_lead.code]
            ),
        }
    )
    if snapshot(changed) == snapshot(case):
        why = f"{new_lead.name}已是牵头部门，无需改派"
        raise fail(case, step, why, "already_lead")
    if changed.status != "confirmed":
        changed = transition(changed, "confirmed", ctx.actor, ctx.now, "改派，待新部门签收", step)
    what = f"改派: {old} → {departments_text(changed)}（{reason}）"
    return append(
        changed,
        entry(ctx, what, "assigned", departments=_codes(changed), reason=reason, before=old),
        assignment_notice(changed, ctx),
    )


def verify(case: Case, ctx: StepContext, confirmed: bool, note: str = "") -> Case:
    """核实: the department verifies; a confirmed problem starts `verified_answer`."""
    step = "verify"
    require_status(case, step, ("acknowledged", "verifying", "responded"))
    if happened(case, "problem_confirmed"):
        raise fail(case, step, "已核实问题属实", "already_verified")
    event = "problem_confirmed" if confirmed else "problem_not_confirmed"
    what = "核实: 问题属实" if confirmed else "核实: 问题不属实"
    what += f"（{note}）" if note else ""
    changed = case
    if case.status == "acknowledged":
        changed = transition(case, "verifying", ctx.actor, ctx.now, step=step)
    return append(changed, entry(ctx, what, event, note=note))


def report(case: Case, ctx: StepContext, to: str, result: bool = False, note: str = "") -> Case:
    """报送: the report to leaders delivered (`report_delivered`), or the handling result
    reported (`result_reported`, with --result)."""
    step = "report"
    require_open(case, step)
    if not to.strip():
        raise fail(case, step, "请填写报送对象", "recipient_required")
    event = "result_reported" if result else "report_delivered"
    what = ("报送处置结果" if result else "报送领导") + f": {to}" + (f"（{note}）" if note else "")
    return append(case, entry(ctx, what, event, to=to, note=note))


def close(case: Case, ctx: StepContext, watch_days: float, note: str = "") -> Case:
    """办结, then 持续关注 (防范反复) for `watch_days` when more than 0."""
    step = "close"
    require_status(case, step, ("responded",))
    closed = transition(case, "closed", ctx.actor, ctx.now, note, step, {"event": "closed"})
    if watch_days <= 0:
        return closed
    until = iso_local(ctx.now + timedelta(days=watch_days))
    return transition(
        closed,
        "watching",
        ctx.actor,
        ctx.now,
        f"持续关注至 {until[:16].replace('T', ' ')}，防范反复",
        step,
        {"event": "watch_started", "until": until},
    )


def dismiss(case: Case, ctx: StepContext, reason: str) -> Case:
    """排除: a false alarm, with a reason (also a training label)."""
    step = "dismiss"
    require_open(case, step)
    if case.status not in ("new", "confirmed", "acknowledged", "verifying"):
        raise fail(case, step, _not_now(case) + "，不能排除", "wrong_status")
    return transition(
        case,
        "dismissed",
        ctx.actor,
        ctx.now,
        reason,
        step,
        {"event": "dismissed", "reason": reason, "before": snapshot(case)},
    )
