"""Applies scored items to the case store: open a case, merge into one, or skip each item.

CaseStore.create refuses a second copy of a case and updates retry on ConflictError, so a
replay or a second worker never doubles a case. Items of an event whose case was merged into
another follow the redirect; items that show two events to be one merge their cases first
(event_links.py, when the opener has `links`). `finish` lets the caller add the due alerts (and write the
outbox) before each write.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from alerts.cases import CaseBuilder, case_id_for
from alerts.escalation import save_with_retry
from alerts.event_links import EventLinks
from alerts.merging import follow_merges
from alerts.policy_options import OpeningRule
from pipeline.models import Case, ScoredItem, parse_time
from pipeline.storage.base import CaseStore, ItemQuery, ItemStore

MAX_EARLIER = 200  # earlier items of one event taken into a new case


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
        threshold: OpeningRule | Callable[[str], OpeningRule] | None = None,
        finish: Callable[[Case, datetime], Case] | None = None,
        links: EventLinks | None = None,
        items: ItemStore | None = None,
    ):
        self.store = store
        self.links = links
        self.items = items  # earlier items of an event join its case when it opens
        self._items_fresh = False  # items refreshed for this batch's searches
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
        self._items_fresh = False
        groups: dict[str, list[ScoredItem]] = {}
        if self.links is not None:
            items = self.links.resolve(items)
        for item in items:
            groups.setdefault(case_id_for(item.profile, item.event_id), []).append(item)
        for case_id, group in groups.items():
            self._apply_group(case_id, group, now, result)
        return result

    def _apply_group(
        self, case_id: str, group: list[ScoredItem], now: datetime, result: CaseResult
    ) -> None:
        builder = self.builder_for(group[0].profile)
        stored = self.store.get_lean(case_id)  # lean: a viral case's ids stay in the store
        if stored is None:
            threshold = self.threshold_for(group[0].profile)
            opener = next((i for i, it in enumerate(group) if threshold.crosses(it)), None)
            if opener is None:
                result.skipped += len(group)
                return
            result.skipped += opener
            first = group[opener]
            group = [*group[:opener], *self._earlier(group), *group[opener + 1 :]]
            case = builder.new_case(first, now)
            case = builder.merge_many(case, group, now) or case
            if self.store.create(self.finish(case, now)):
                result.opened.append(case_id)
                return
            group = [first, *group]  # another worker opened it meanwhile: merge into theirs
        case_id = follow_merges(self.store, case_id, stored)

        def merge_all(case: Case) -> Case | None:
            held = (
                self.store.has_items(case.case_id, [it.id for it in group]) if case.lean else None
            )
            changed = builder.merge_many(case, group, now, held)  # one pass, one entry
            return self.finish(changed, now) if changed is not None else None

        if save_with_retry(self.store, case_id, merge_all, lean=True) is not None:
            result.merged.append(case_id)
        else:
            result.skipped += len(group)

    def _earlier(self, group: list[ScoredItem]) -> list[ScoredItem]:
        """The event's items stored before the one that opens its case (below the threshold
        then): they are evidence all the same, so a case does not depend on arrival order."""
        if self.items is None:
            return []
        if not self._items_fresh:  # the classify stage's latest writes: searchable now
            self.items.refresh()
            self._items_fresh = True
        events = {it.event_id for it in group}
        if self.links is not None:
            events |= {self.links.original.get(it.id, it.event_id) for it in group}
        seen = {it.id for it in group}
        found: list[ScoredItem] = []
        for event in sorted(events):
            query = ItemQuery(event_id=event, relevant=True, limit=MAX_EARLIER)
            for item in self.items.search(query):
                if item.id not in seen:
                    seen.add(item.id)
                    found.append(item.model_copy(update={"event_id": group[0].event_id}))
        return sorted(found, key=lambda it: parse_time(it.crawled_at))
