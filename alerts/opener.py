"""Applies scored items to the case store: open a case, merge into one, or skip each item.

CaseStore.create refuses a second copy of a case and updates retry on ConflictError, so a
replay or a second worker never doubles a case. Items of an event whose case was merged into
another follow the redirect. `finish` lets the caller add the due alerts (and write the
outbox) before each write.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from alerts.cases import CaseBuilder, case_id_for
from alerts.escalation import save_with_retry
from alerts.merging import merged_into
from alerts.policy_options import OpeningRule
from pipeline.models import Case, ScoredItem
from pipeline.storage.base import CaseStore

MAX_REDIRECTS = 8


@dataclass
class CaseResult:
    opened: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    skipped: int = 0


def follow_merges(store: CaseStore, case_id: str) -> str:
    """The case that now holds the event of `case_id` (itself unless merged away)."""
    for _ in range(MAX_REDIRECTS):
        case = store.get(case_id)
        target = merged_into(case) if case is not None else None
        if target is None:
            return case_id
        case_id = target
    return case_id


class CaseOpener:
    """Applies scored items to the case store: open, merge, or skip each."""

    def __init__(
        self,
        store: CaseStore,
        builder_for: Callable[[str], CaseBuilder],
        threshold: OpeningRule | Callable[[str], OpeningRule] | None = None,
        finish: Callable[[Case, datetime], Case] | None = None,
    ):
        self.store = store
        self.builder_for = builder_for  # by the item's jurisdiction profile
        rule = threshold or OpeningRule()
        if isinstance(rule, OpeningRule):
            self.threshold_for: Callable[[str], OpeningRule] = lambda _profile: rule
        else:
            self.threshold_for = rule
        self.finish = finish or (lambda case, _now: case)

    @property
    def threshold(self) -> OpeningRule:
        return self.threshold_for("")

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
            threshold = self.threshold_for(group[0].profile)
            opener = next((i for i, it in enumerate(group) if threshold.crosses(it)), None)
            if opener is None:
                result.skipped += len(group)
                return
            result.skipped += opener
            group = group[opener:]
            case = builder.new_case(group[0], now)
            for item in group[1:]:
                case = builder.merge(case, item, now) or case
            if self.store.create(self.finish(case, now)):
                result.opened.append(case_id)
                return
            # another worker opened it meanwhile: merge the whole group into theirs
        case_id = follow_merges(self.store, case_id)

        def merge_all(case: Case) -> Case | None:
            changed = None
            for item in group:
                changed = builder.merge(changed or case, item, now) or changed
            return self.finish(changed, now) if changed is not None else None

        if save_with_retry(self.store, case_id, merge_all) is not None:
            result.merged.append(case_id)
        else:
            result.skipped += len(group)
