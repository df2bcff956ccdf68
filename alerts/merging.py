"""Merging two cases that turn out to be one event: the absorbed case is dismissed with the
reason "merged into X"; its items, responses and timeline move to X, and X takes the graver
severity, importance and risk and the earlier detection (so its clocks may tighten).

Later items of the absorbed event follow the redirect (`merged_into`) to X.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection
from datetime import datetime
from functools import lru_cache

from alerts.labels import SEVERITY_RANK
from alerts.notices import SYSTEM
from alerts.status import STATUS_LABELS
from alerts.steps import StepContext, append, entry, fail, require_open, take_running
from pipeline.models import Case, TimelineEntry, parse_time
from pipeline.storage.base import CaseStore

MERGED_INTO = "merged_into"
MAX_REDIRECTS = 8
# an absorbed case's own bookkeeping, left on it by a brief merge (absorb_many)
BOOKKEEPING = frozenset({"opened", "merged", "absorbed", "clock_started", "clock_tightened"})
MERGED_IDS = 20


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
    when there is none; `case`, when given, is `case_id` already read. Read lean (without
    its evidence ids): who holds the event, not its ids, is the question."""
    case = store.get_lean(case_id) if case is None else case
    for _ in range(MAX_REDIRECTS):
        target = merged_into(case) if case is not None else None
        if target is None:
            return case
        case = store.get_lean(target)
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
    return absorb_many([absorbed], target, ctx)


def absorb_many(
    absorbed: list[Case],
    target: Case,
    ctx: StepContext,
    brief: bool = False,
    stored: Collection[str] | None = None,
) -> Case:
    """`target` with the evidence, responses and timeline of every case in `absorbed`
    (each checked first), in one pass: one copy and one sort of the timeline, however many
    cases a batch found to be the same event. Each absorbed case gets its own entry.

    `brief` (the system's merges of one event, event_links.py): of an absorbed case's
    timeline only what people did moves, not its system bookkeeping (opening, evidence
    batches, its clocks starting: BOOKKEEPING) nor the notices the system sent for it (its
    report-up, reminders), which stay on the absorbed case; its entry counts the ids moved
    (naming MERGED_IDS of them) and the notices left behind. A viral event absorbs a small
    case every ~1,000 items: moving each one's sent notices grew the target's timeline, and
    with it every write and the alert stage's memory, without end (issue #11).

    A lean `target` (`Case.lean`) needs `stored`: which of the absorbed cases' ids the store
    holds on it already (`CaseStore.has_items`); its `items` get only the ids moved."""
    if target.lean and stored is None:
        raise ValueError(f"case {target.case_id} is lean: which ids it holds is not known")
    known = set(target.items).union(stored or ())
    items, moved_entries, entries = list(target.items), [], []
    responses, categories = list(target.responses), list(target.categories)
    grown = target.model_copy()
    codes = {d.code for d in target.co_departments}
    codes |= {target.lead_department.code} if target.lead_department else set()
    co_departments = list(target.co_departments)
    for case in absorbed:
        moved_items = [i for i in case.items if i not in known]
        known.update(moved_items)
        items += moved_items
        moved_entries += [
            e.model_copy(update={"detail": {**e.detail, "from_case": case.case_id}})
            for e in case.timeline
            if not (brief and _stays(e))
        ]
        ids = {r.id for r in responses}  # a response in both (same id): once
        responses += [r for r in case.responses if r.id not in ids]
        categories = list(dict.fromkeys([*categories, *case.categories]))
        grown.risk = max(grown.risk, case.risk)
        if SEVERITY_RANK[case.severity] > SEVERITY_RANK[grown.severity]:
            grown.severity = case.severity
        if case.importance == "important":
            grown.importance = "important"
        if parse_time(case.detected_at) < parse_time(grown.detected_at):
            grown.detected_at = case.detected_at
        if grown.police_handover is None and case.police_handover is not None:
            grown.police_handover = case.police_handover
        for d in [case.lead_department, *case.co_departments]:
            if d is not None and d.code not in codes:
                co_departments.append(d.model_copy(update={"role": "co"}))
                codes.add(d.code)
        what = f"合并案件: {case.case_id}「{case.title}」并入，信息 {len(moved_items)} 条"
        listed = moved_items[:MERGED_IDS] if brief else moved_items
        notices = sum(1 for e in case.timeline if "message_id" in e.detail and _stays(e))
        detail = {"count": len(moved_items), "notices": notices} if brief else {}
        entries.append(entry(ctx, what, "absorbed", case=case.case_id, items=listed, **detail))
    timeline = _interleave(target.timeline, moved_entries)
    if brief and entries:  # one running entry a day for the system's merges
        entries = [_running(timeline, entries, absorbed)]
    grown = grown.model_copy(
        update={
            "items": items,
            "responses": responses,
            "categories": categories,
            "co_departments": co_departments,
            "timeline": timeline,
        }
    )
    return append(grown, *entries)


def _running(
    timeline: list[TimelineEntry], entries: list[TimelineEntry], absorbed: list[Case]
) -> TimelineEntry:
    """The entries of a brief merge folded into the day's running "absorbed" entry of the
    system's merges, taken out of `timeline` (a copy) to go last: a viral event that absorbs
    hundreds of small cases gains one entry a day for them. Each absorbed case still names
    its target (its own "merged into" entry)."""
    last = entries[-1]
    day, cases, count = last.at[:10], [e.detail["case"] for e in entries], len(entries)
    items = sum(int(e.detail.get("count", 0)) for e in entries)
    notices = sum(int(e.detail.get("notices", 0)) for e in entries)
    since = last.at
    old = take_running(timeline, day, "absorbed", "running")
    if old is not None:
        cases = [*old.detail.get("cases", []), *cases]
        count += int(old.detail.get("cases_count", 0))
        items += int(old.detail.get("count", 0))
        notices += int(old.detail.get("notices", 0))
        since = str(old.detail.get("since", old.at))
    newest = absorbed[-1]
    what = last.what
    if count > 1:
        what = (
            f"合并同一事件的案件 累计 {count} 件，信息 {items} 条（{since[11:16]} 起；"
            f"最近: {newest.case_id}「{newest.title}」）"
        )
    detail = {
        **last.detail,
        "cases": cases[-MERGED_IDS:],
        "cases_count": count,
        "count": items,
        "notices": notices,
        "since": since,
        "running": True,
    }
    return last.model_copy(update={"what": what, "detail": detail})


def _stays(e: TimelineEntry) -> bool:
    """An entry a brief merge leaves on the absorbed case: system bookkeeping, or a notice
    the system sent for that case (it is on record there, under its own message id)."""
    if e.detail.get("event") in BOOKKEEPING:
        return True
    return e.actor == SYSTEM and "message_id" in e.detail


def _interleave(timeline: list[TimelineEntry], moved: list[TimelineEntry]) -> list[TimelineEntry]:
    """`moved` put in time order into `timeline` (already in time order), after the entries
    of the same time: only the moved entries' times are parsed, not a long timeline's."""
    out: list[TimelineEntry] = []
    done = 0
    for e in sorted(moved, key=lambda e: _at(e.at)):
        at = bisect.bisect_right(timeline, _at(e.at), lo=done, key=lambda x: _at(x.at))
        out += timeline[done:at]
        out.append(e)
        done = at
    return out + timeline[done:]


def dismiss(absorbed: Case, target: Case, ctx: StepContext) -> Case:
    """`absorbed` dismissed as merged into `target` (checked first), its evidence moved:
    read whole (not lean), so that its timeline names every id moved."""
    if absorbed.lean:
        raise ValueError(f"case {absorbed.case_id} is lean: its evidence ids are not here")
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
