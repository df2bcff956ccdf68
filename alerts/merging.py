"""Merging two cases that turn out to be one event: the absorbed case is dismissed with the
reason "merged into X"; its items, responses and timeline move to X, and X takes the graver
severity, importance and risk and the earlier detection (so its clocks may tighten).

Later items of the absorbed event follow the redirect (`merged_into`) to X.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from alerts.labels import SEVERITY_RANK
from alerts.status import STATUS_LABELS
from alerts.steps import StepContext, append, entry, fail, require_open
from pipeline.models import Case, parse_time
from pipeline.storage.base import CaseStore

MERGED_INTO = "merged_into"
MAX_REDIRECTS = 8


def merged_into(case: Case) -> str | None:
    """The case this one was merged into, if any."""
    if case.dismissed_reason is None:  # never dismissed, so never merged: no timeline scan
        return None
    for e in reversed(case.timeline):
        if e.detail.get("event") == MERGED_INTO:
            return str(e.detail["into"])
    return None


def holder(store: CaseStore, case_id: str, case: Case | None = None) -> Case | None:
    """The case that now holds the event of `case_id` (itself unless merged away), or None
    when there is none; `case`, when given, is `case_id` already read."""
    case = store.get(case_id) if case is None else case
    for _ in range(MAX_REDIRECTS):
        target = merged_into(case) if case is not None else None
        if target is None:
            return case
        case = store.get(target)
    return case


def follow_merges(store: CaseStore, case_id: str, case: Case | None = None) -> str:
    """The id of the case that now holds the event of `case_id` (itself unless merged away)."""
    found = holder(store, case_id, case)
    return found.case_id if found is not None else case_id


def merge(absorbed: Case, target: Case, ctx: StepContext) -> tuple[Case, Case]:
    """(absorbed, target) after the merge; raises WorkflowError with both unchanged."""
    check(absorbed, target)
    return dismiss(absorbed, target, ctx), absorb(absorbed, target, ctx)


def check(absorbed: Case, target: Case) -> None:
    """Raises WorkflowError when `absorbed` may not be merged into `target`."""
    step = "merge"
    if absorbed.case_id == target.case_id:
        raise fail(absorbed, step, "不能把案件并入它自己", "merge_into_itself")
    into = merged_into(absorbed)
    if into:
        raise fail(absorbed, step, f"本案已并入 {into}", "already_merged")
    require_open(absorbed, step)
    if target.status in ("closed", "dismissed"):
        raise fail(absorbed, step, f"目标案件 {target.case_id} 已结束，不能并入", "target_closed")
    if absorbed.profile != target.profile:
        raise fail(absorbed, step, "两案属于不同辖区，不能合并", "different_profiles")


def absorb(absorbed: Case, target: Case, ctx: StepContext) -> Case:
    """`target` with the evidence, responses and timeline of `absorbed` (checked first)."""
    known = set(target.items)
    moved_items = [i for i in absorbed.items if i not in known]
    moved_entries = [
        e.model_copy(update={"detail": {**e.detail, "from_case": absorbed.case_id}})
        for e in absorbed.timeline
    ]
    timeline = sorted([*target.timeline, *moved_entries], key=lambda e: _at(e.at))
    both = [*target.responses, *absorbed.responses]  # a response in both (same id): once
    update: dict[str, object] = {
        "items": [*target.items, *moved_items],
        "responses": [r for i, r in enumerate(both) if all(r.id != s.id for s in both[:i])],
        "categories": list(dict.fromkeys([*target.categories, *absorbed.categories])),
        "risk": max(target.risk, absorbed.risk),
        "timeline": timeline,
    }
    if SEVERITY_RANK[absorbed.severity] > SEVERITY_RANK[target.severity]:
        update["severity"] = absorbed.severity
    if absorbed.importance == "important":
        update["importance"] = "important"
    if parse_time(absorbed.detected_at) < parse_time(target.detected_at):
        update["detected_at"] = absorbed.detected_at
    if target.police_handover is None and absorbed.police_handover is not None:
        update["police_handover"] = absorbed.police_handover
    codes = {d.code for d in target.co_departments}
    codes |= {target.lead_department.code} if target.lead_department else set()
    extra = [
        d.model_copy(update={"role": "co"})
        for d in [absorbed.lead_department, *absorbed.co_departments]
        if d is not None and d.code not in codes
    ]
    update["co_departments"] = [*target.co_departments, *extra]
    grown = target.model_copy(update=update)
    what = f"合并案件: {absorbed.case_id}「{absorbed.title}」并入，信息 {len(moved_items)} 条"
    return append(grown, entry(ctx, what, "absorbed", case=absorbed.case_id, items=moved_items))


def dismiss(absorbed: Case, target: Case, ctx: StepContext) -> Case:
    """`absorbed` dismissed as merged into `target` (checked first), its evidence moved."""
    reason = f"merged into {target.case_id}"
    what = f"状态: {STATUS_LABELS[absorbed.status]} → {STATUS_LABELS['dismissed']}（{reason}：并入「{target.title}」）"
    return append(
        absorbed,
        entry(
            ctx,
            what,
            MERGED_INTO,
            into=target.case_id,
            items=list(absorbed.items),
            **{"from": absorbed.status, "to": "dismissed"},
        ),
        status="dismissed",
        dismissed_reason=reason,
        items=[],
        responses=[],
    )


@lru_cache(maxsize=4096)
def _at(value: str) -> datetime:
    """A timeline time, parsed once: a merge sorts both timelines by it."""
    return parse_time(value)
