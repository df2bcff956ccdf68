"""Cases: one per event. An item crossing the threshold opens one; later items are merged in.

The case id is derived from (profile, event_id), so a replay or a second worker lands on the
same case; CaseStore.create refuses a second copy and updates retry on ConflictError. Merging
only raises (severity, importance, risk) or adds (items, categories, departments), so applying
an item twice changes nothing the second time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from alerts.escalation import SYSTEM, ClockNarrator, save_with_retry
from alerts.labels import IMPORTANCE_LABELS, SEVERITY_RANK, categories_text, severity_text
from alerts.localtime import iso_local
from pipeline.models import Case, ScoredItem, TimelineEntry, parse_time
from pipeline.storage.base import CaseStore

TITLE_CHARS = 40


def case_id_for(profile: str, event_id: str) -> str:
    """Stable case id of an event: the same on every replay and every worker."""
    digest = hashlib.sha256(f"{profile}\x00{event_id}".encode()).hexdigest()[:20]
    return f"case-{digest}"


def title_of(item: ScoredItem) -> str:
    if item.title.strip():
        return item.title.strip()
    text = " ".join(item.text.split())
    return text[:TITLE_CHARS] + ("…" if len(text) > TITLE_CHARS else "")


@dataclass(frozen=True)
class OpeningThreshold:
    """When an item opens a case: relevant AND (a category, or risk ≥ min_risk, or important,
    or a superior government asked for a response)."""

    min_risk: int = 60
    on_category: bool = True
    on_important: bool = True
    on_superior_request: bool = True

    def crosses(self, item: ScoredItem) -> bool:
        if not item.relevant:
            return False
        return (
            (self.on_category and bool(item.categories))
            or item.risk >= self.min_risk
            or (self.on_important and item.importance == "important")
            or (self.on_superior_request and bool(item.superior_request))
        )


def _entry(now: datetime, what: str, **detail: object) -> TimelineEntry:
    return TimelineEntry(at=iso_local(now), actor=SYSTEM, what=what, detail=dict(detail))


class CaseBuilder:
    """Pure case changes from items: a new case, or an item merged into one."""

    def __init__(self, narrator: ClockNarrator):
        self.narrator = narrator

    def new_case(self, item: ScoredItem, now: datetime) -> Case:
        lead = next((d for d in item.departments if d.role == "lead"), None)
        case = Case(
            case_id=case_id_for(item.profile, item.event_id),
            profile=item.profile,
            event_id=item.event_id,
            title=title_of(item),
            categories=list(item.categories),
            severity=item.severity,
            importance=item.importance,
            risk=item.risk,
            jurisdiction=item.jurisdiction,
            lead_department=lead,
            co_departments=[d for d in item.departments if d is not lead],
            items=[item.id],
            detected_at=item.crawled_at,
            opened_at=iso_local(now),
        )
        what = f"立案: {case.title}（类别 {categories_text(case.categories)}，风险 {item.risk}"
        what += "，上级要求回应）" if item.superior_request else "）"
        if lead is not None:
            what += f"；建议牵头部门: {lead.name}（待研判确认）"
        case.timeline.append(
            _entry(now, what, event="opened", item=item.id, explanation=item.explanation)
        )
        return self.narrator.refresh(case, now)

    def merge(self, case: Case, item: ScoredItem, now: datetime) -> Case | None:
        """`case` with `item` merged in, or None when the item changes nothing (a replay)."""
        if item.id in case.items or not item.relevant:
            return None
        merged = case.model_copy(deep=True)
        merged.items.append(item.id)
        notes = [f"合并信息: {item.source_name} {title_of(item)}"]
        if SEVERITY_RANK[item.severity] > SEVERITY_RANK[merged.severity]:
            notes.append(
                f"严重程度 {severity_text(merged.severity)} → {severity_text(item.severity)}"
            )
            merged.severity = item.severity
        if item.importance == "important" and merged.importance != "important":
            notes.append(f"重要程度 {IMPORTANCE_LABELS[merged.importance]} → 重要")
            merged.importance = "important"
        if item.risk > merged.risk:
            notes.append(f"风险 {merged.risk} → {item.risk}")
            merged.risk = item.risk
        added = [c for c in item.categories if c not in merged.categories]
        if added:
            notes.append(f"新增类别 {categories_text(added)}")
            merged.categories.extend(added)
        if parse_time(item.crawled_at) < parse_time(merged.detected_at):
            merged.detected_at = item.crawled_at  # an earlier sighting arrived late
        if merged.status == "new":  # the proposal may still grow until a monitor confirms it
            self._propose_departments(merged, item)
            if merged.jurisdiction.level != "town" and item.jurisdiction.level == "town":
                merged.jurisdiction = item.jurisdiction
        merged.timeline.append(_entry(now, "；".join(notes), event="merged", item=item.id))
        return self.narrator.refresh(merged, now)

    @staticmethod
    def _propose_departments(case: Case, item: ScoredItem) -> None:
        known = {d.code for d in case.co_departments}
        if case.lead_department is not None:
            known.add(case.lead_department.code)
        for dept in item.departments:
            if dept.code in known:
                continue
            if dept.role == "lead" and case.lead_department is None:
                case.lead_department = dept
            else:
                case.co_departments.append(dept.model_copy(update={"role": "co"}))
            known.add(dept.code)


@dataclass
class CaseResult:
    opened: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    skipped: int = 0


class CaseOpener:
    """Applies scored items to the case store: open, merge, or skip each."""

    def __init__(
        self,
        store: CaseStore,
        builder_for: Callable[[str], CaseBuilder],
        threshold: OpeningThreshold | None = None,
    ):
        self.store = store
        self.builder_for = builder_for  # by the item's jurisdiction profile
        self.threshold = threshold or OpeningThreshold()

    def apply(self, items: Sequence[ScoredItem], now: datetime) -> CaseResult:
        result = CaseResult()
        groups: dict[str, list[ScoredItem]] = {}
        for item in items:
            groups.setdefault(case_id_for(item.profile, item.event_id), []).append(item)
        for case_id, group in groups.items():
            self._apply_group(case_id, group, now, result)
        return result

    def _apply_group(
        self, case_id: str, group: list[ScoredItem], now: datetime, result: CaseResult
    ) -> None:
        builder = self.builder_for(group[0].profile)
        if self.store.get(case_id) is None:
            opener = next((i for i, it in enumerate(group) if self.threshold.crosses(it)), None)
            if opener is None:
                result.skipped += len(group)
                return
            result.skipped += opener
            group = group[opener:]
            case = builder.new_case(group[0], now)
            for item in group[1:]:
                case = builder.merge(case, item, now) or case
            if self.store.create(case):
                result.opened.append(case_id)
                return
            # another worker opened it meanwhile: merge the whole group into theirs

        def merge_all(case: Case) -> Case | None:
            changed = None
            for item in group:
                changed = builder.merge(changed or case, item, now) or changed
            return changed

        if save_with_retry(self.store, case_id, merge_all) is not None:
            result.merged.append(case_id)
        else:
            result.skipped += len(group)
