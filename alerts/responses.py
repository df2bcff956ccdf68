"""Responses and their review: 先审查、后公开 (seed 002) — nothing counts as published before
承办人初审 → 负责人审核 → (co-departments' sign-off) → 领导审发.

A response is `draft` until the final approval, which publishes it (`published_at`), so only
approved responses meet clocks (events.py). A response found by the crawler (a message
board's published answer, a government site's statement) is recorded already approved.

Every response has a stable `id` (review steps, sign-offs and the dashboard name it), the
`department` that gave it and the `actor` who entered it. Steps accept the id or, as before,
the response's 1-based number.
"""

from __future__ import annotations

import re
from typing import Any

from alerts.events import RESPONSE_KINDS
from alerts.localtime import iso_local
from alerts.response_found import CRAWLER, official_reply, response_id
from alerts.status import transition
from alerts.steps import StepContext, append, entry, fail, require_status
from pipeline.models import Case, Response, Review, parse_time
from pipeline.profile import JurisdictionProfile

# Review levels in order; "cosign" sits before "final" when co-departments take part.
LEVELS = ("first", "second", "cosign", "final")
LEVEL_LABELS = {
    "submitted": "提交",
    "first": "承办人初审",
    "second": "负责人审核",
    "cosign": "配合部门会签",
    "final": "领导审发",
}
RESPONSE_LABELS = {
    "statement": "情况通报",
    "rebuttal": "辟谣",
    "press_conference": "新闻发布会",
    "authoritative_answer": "权威答复",
    "result": "处置结果",
    "official_reply": "官方回复",
}
REVIEW_DONE = {"approved": "审发通过", "rejected": "退回"}
__all__ = ["CRAWLER", "LEVELS", "locate", "official_reply", "respond", "response_id", "review"]
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$")
MIN_PREFIX = 8  # "rsp-" and four hex digits: a shorter prefix is refused as too vague


def locate(case: Case, ref: int | str, step: str = "review") -> int:
    """The 0-based index of the response `ref` names: its id (or an unambiguous prefix of at
    least 8 characters) or its 1-based number (`2`, `"2"`, `"#2"`)."""
    text = str(ref).strip()
    if isinstance(ref, int) or re.fullmatch(r"#?\d+", text):
        number = int(text.lstrip("#"))
        if not 1 <= number <= len(case.responses):
            why = f"没有第 {number} 条回应（本案共 {len(case.responses)} 条）"
            raise fail(case, step, why, "unknown_response")
        return number - 1
    exact = [i for i, r in enumerate(case.responses) if r.id == text]
    if exact:
        return exact[0]
    hits = [i for i, r in enumerate(case.responses) if r.id.startswith(text)]
    if len(text) >= MIN_PREFIX and len(hits) == 1:
        return hits[0]
    known = "、".join(r.id for r in case.responses) or "无"
    if len(hits) > 1 and len(text) >= MIN_PREFIX:
        why, code = f"回应编号「{text}」不唯一（本案回应: {known}）", "ambiguous_response"
    else:
        why, code = f"没有回应「{text}」（本案回应: {known}）", "unknown_response"
    raise fail(case, step, why, code)


def _department(
    case: Case, step: str, directory: JurisdictionProfile | None, given: str
) -> Response.Department | None:
    """The answering department: `given` (code, name or alias) checked against the profile,
    else the case's lead department."""
    if not given.strip():
        lead = case.lead_department
        return Response.Department(code=lead.code, name=lead.name) if lead else None
    if directory is None:
        return Response.Department(code=given.strip(), name=given.strip())
    try:
        found = directory.department(given.strip())
    except KeyError:
        why = f"未知部门「{given}」，请从本县部门名录中选择"
        raise fail(case, step, why, "unknown_department") from None
    return Response.Department(code=found.code, name=found.name)


def respond(
    case: Case,
    ctx: StepContext,
    kind: str,
    text: str,
    url: str = "",
    department: str = "",
    published_at: str | None = None,
    response_id: str | None = None,
) -> Case:
    """A draft response (rolling release, press conference, final result …), to be reviewed.

    `response_id` (optional) is the caller's own stable id, e.g. a form's token: submitting
    the same id again records nothing new (a replay), with other content it is refused."""
    step = "respond"
    require_status(case, step, ("acknowledged", "verifying", "responded"))
    if kind not in RESPONSE_KINDS:
        known = "、".join(RESPONSE_LABELS.get(k, k) for k in RESPONSE_KINDS)
        why = f"未知回应类型「{kind}」（可选: {known}）"
        raise fail(case, step, why, "unknown_response_kind")
    if not text.strip():
        raise fail(case, step, "请填写回应内容", "text_required")
    if published_at is not None:
        try:
            published_at = iso_local(parse_time(published_at))
        except ValueError:
            why = f"发布时间格式不对（{published_at}），例如 2026-05-01T09:30+08:00"
            raise fail(case, step, why, "bad_time") from None
    if response_id is not None and not ID_PATTERN.match(response_id):
        why = f"回应编号「{response_id}」只能含字母、数字和 _.:-"
        raise fail(case, step, why, "bad_response_id")
    rid = response_id or response_id_for(case, ctx.actor, ctx.at, kind, text)
    for existing in case.responses:
        if existing.id == rid:
            if (existing.kind, existing.text) == (kind, text):
                return case  # the same submission again: recorded once
            why = f"回应编号「{rid}」已被另一条回应使用"
            raise fail(case, step, why, "response_id_taken")
    dept = _department(case, step, ctx.directory, department)
    number = len(case.responses) + 1
    draft = Response(
        id=rid,
        kind=kind,
        text=text,
        url=url,
        published_at=published_at,
        department=dept,
        actor=ctx.actor,
        review=Review(
            state="draft",
            steps=[
                {
                    "level": "submitted",
                    "actor": ctx.actor,
                    "at": ctx.at,
                    "department": dept.code if dept else "",
                }
            ],
        ),
    )
    by = f"{dept.name}，" if dept else ""
    what = f"拟回应 #{number}（{RESPONSE_LABELS.get(kind, kind)}，{by}{rid}）待审: {text[:40]}"
    return append(
        case,
        entry(ctx, what, "response_submitted", response=number, response_id=rid, kind=kind),
        responses=[*case.responses, draft],
    )


def response_id_for(case: Case, actor: str, at: str, kind: str, text: str) -> str:
    """The id of a draft entered on the desk: the same case, actor, time and content."""
    return response_id(case.case_id, actor, at, kind, text)


def _done(review: Review, level: str) -> list[dict[str, Any]]:
    return [s for s in review.steps if s.get("level") == level and s.get("decision") == "pass"]


def review(
    case: Case,
    ctx: StepContext,
    number: int | str,
    level: str,
    approve: bool = True,
    note: str = "",
    department: str = "",
) -> Case:
    """One review step of a response, named by its id or its 1-based `number`. The final
    approval publishes it."""
    step = "review"
    require_status(case, step, ("acknowledged", "verifying", "responded"))
    index = locate(case, number, step)
    number = index + 1
    if level not in LEVELS:
        known = "、".join(LEVEL_LABELS[lv] for lv in LEVELS)
        why = f"未知审查环节「{level}」（可选: {known}）"
        raise fail(case, step, why, "unknown_review_level")
    current = case.responses[index]
    if current.review.state in ("approved", "rejected"):
        done = REVIEW_DONE[current.review.state]
        raise fail(case, step, f"第 {number} 条回应已{done}", "already_reviewed")
    missing = _missing_before(case, current.review, level)
    if missing:
        why = f"第 {number} 条回应: {LEVEL_LABELS[level]}之前须先完成{missing}"
        raise fail(case, step, why, "review_out_of_order")
    record: dict[str, Any] = {
        "level": level,
        "actor": ctx.actor,
        "at": ctx.at,
        "decision": "pass" if approve else "reject",
        "note": note,
    }
    if level == "cosign":
        record["department"] = _cosigner(case, department, current.review)
    elif _done(current.review, level):
        why = f"第 {number} 条回应: {LEVEL_LABELS[level]}已完成"
        raise fail(case, step, why, "already_reviewed")
    state = current.review.state
    published_at = current.published_at
    if not approve:
        state = "rejected"
    elif level == "final":
        state = "approved"
        published_at = max(published_at or ctx.at, ctx.at, key=parse_time)
    elif level == "first":
        state = "first_review"
    updated = current.model_copy(
        update={
            "review": Review(state=state, steps=[*current.review.steps, record]),
            "published_at": published_at,
        }
    )
    responses = list(case.responses)
    responses[index] = updated
    verdict = "通过" if approve else "退回"
    what = f"审查 #{number}: {LEVEL_LABELS[level]}{verdict}" + (f"（{note}）" if note else "")
    if state == "approved":
        what += f"；已公开发布 {published_at[:16].replace('T', ' ')}"
    changed = append(
        case,
        entry(
            ctx,
            what,
            "response_reviewed",
            response=number,
            response_id=current.id,
            level=level,
            state=state,
        ),
        responses=responses,
    )
    if state == "approved" and changed.status in ("acknowledged", "verifying"):
        changed = transition(changed, "responded", ctx.actor, ctx.now, step=step)
    return changed


def _missing_before(case: Case, current: Review, level: str) -> str:
    """The label of the first earlier level not yet passed, or ""."""
    needed = ["first"] if level != "first" else []
    if level in ("cosign", "final"):
        needed.append("second")
    for earlier in needed:
        if not _done(current, earlier):
            return LEVEL_LABELS[earlier]
    if level == "final":
        signed = {s.get("department") for s in _done(current, "cosign")}
        unsigned = [d.name for d in case.co_departments if d.code not in signed]
        if unsigned:
            return f"{LEVEL_LABELS['cosign']}（{'、'.join(unsigned)}）"
    return ""


def _cosigner(case: Case, department: str, current: Review) -> str:
    codes = {d.code: d for d in case.co_departments}
    by_name = {d.name: d.code for d in case.co_departments}
    code = by_name.get(department, department)
    if code not in codes:
        known = "、".join(d.name for d in case.co_departments) or "无"
        why = f"「{department}」不是本案的配合部门（配合部门: {known}）"
        raise fail(case, "review", why, "not_a_co_department")
    if any(s.get("department") == code for s in _done(current, "cosign")):
        raise fail(case, "review", f"{codes[code].name}已会签", "already_signed")
    return code
