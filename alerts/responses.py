"""Responses and their review: 先审查、后公开 (seed 002) — nothing counts as published before
承办人初审 → 负责人审核 → (co-departments' sign-off) → 领导审发.

A response is `draft` until the final approval, which publishes it (`published_at`), so only
approved responses meet clocks (events.py). A response found by the crawler (a message
board's published answer, a government site's statement) is recorded already approved.
"""

from __future__ import annotations

from typing import Any

from alerts.events import RESPONSE_KINDS
from alerts.localtime import iso_local
from alerts.status import transition
from alerts.steps import StepContext, append, entry, fail, require_status
from pipeline.models import Case, Response, Review, ScoredItem, parse_time

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
CRAWLER = "crawler"


def respond(
    case: Case,
    ctx: StepContext,
    kind: str,
    text: str,
    url: str = "",
    department: str = "",
    published_at: str | None = None,
) -> Case:
    """A draft response (rolling release, press conference, final result …), to be reviewed."""
    step = "respond"
    require_status(case, step, ("acknowledged", "verifying", "responded"))
    if kind not in RESPONSE_KINDS:
        raise fail(
            case, step, f"unknown response kind {kind!r} (known: {', '.join(RESPONSE_KINDS)})"
        )
    if not text.strip():
        raise fail(case, step, "a response needs its text")
    if published_at is not None:
        try:
            published_at = iso_local(parse_time(published_at))
        except ValueError as exc:
            raise fail(case, step, f"published_at: {exc}") from None
    dept = department or (case.lead_department.code if case.lead_department else "")
    number = len(case.responses) + 1
    draft = Response(
        kind=kind,
        text=text,
        url=url,
        published_at=published_at,
        review=Review(
            state="draft",
            steps=[{"level": "submitted", "actor": ctx.actor, "at": ctx.at, "department": dept}],
        ),
    )
    what = f"拟回应 #{number}（{RESPONSE_LABELS.get(kind, kind)}）待审: {text[:40]}"
    return append(
        case,
        entry(ctx, what, "response_submitted", response=number, kind=kind),
        responses=[*case.responses, draft],
    )


def _done(review: Review, level: str) -> list[dict[str, Any]]:
    return [s for s in review.steps if s.get("level") == level and s.get("decision") == "pass"]


def review(
    case: Case,
    ctx: StepContext,
    number: int,
    level: str,
    approve: bool = True,
    note: str = "",
    department: str = "",
) -> Case:
    """One review step of response `number` (1-based). The final approval publishes it."""
    step = "review"
    require_status(case, step, ("acknowledged", "verifying", "responded"))
    if not 1 <= number <= len(case.responses):
        raise fail(case, step, f"no response #{number} (the case has {len(case.responses)})")
    if level not in LEVELS:
        raise fail(case, step, f"unknown review level {level!r} (known: {', '.join(LEVELS)})")
    current = case.responses[number - 1]
    if current.review.state in ("approved", "rejected"):
        raise fail(case, step, f"response #{number} is already {current.review.state}")
    missing = _missing_before(case, current.review, level)
    if missing:
        raise fail(case, step, f"response #{number}: {LEVEL_LABELS[level]} before {missing}")
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
        raise fail(case, step, f"response #{number}: {LEVEL_LABELS[level]} is already done")
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
    responses[number - 1] = updated
    verdict = "通过" if approve else "退回"
    what = f"审查 #{number}: {LEVEL_LABELS[level]}{verdict}" + (f"（{note}）" if note else "")
    if state == "approved":
        what += f"；已公开发布 {published_at[:16].replace('T', ' ')}"
    changed = append(
        case,
        entry(ctx, what, "response_reviewed", response=number, level=level, state=state),
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
        known = "、".join(d.name for d in case.co_departments) or "none"
        raise fail(case, "review", f"{department!r} is not a co-department (co: {known})")
    if any(s.get("department") == code for s in _done(current, "cosign")):
        raise fail(case, "review", f"{codes[code].name} has already signed")
    return code


def official_reply(item: ScoredItem) -> Response | None:
    """A response the crawler found: `extra.official_reply` (a message board's published
    answer) or a gov_site item the classifier marked `extra.official_response`."""
    reply = item.extra.get("official_reply")
    if isinstance(reply, dict) and reply.get("text"):
        text, published = str(reply["text"]), reply.get("published_at") or item.published_at
        department = str(reply.get("department", ""))
    elif item.source_type == "gov_site" and item.extra.get("official_response"):
        text, published, department = item.text, item.published_at, item.source_name
    else:
        return None
    try:
        published = iso_local(parse_time(published))
    except ValueError:
        published = iso_local(item.published_at)
    record = {
        "level": "final",
        "actor": CRAWLER,
        "at": published,
        "decision": "pass",
        "item": item.id,
        "department": department,
        "source": item.source_name,
    }
    return Response(
        kind="official_reply",
        text=text,
        url=item.url,
        published_at=published,
        review=Review(state="approved", steps=[record]),
    )
