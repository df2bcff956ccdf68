"""One case per event, whatever order the items came in.

The classify stage clusters a stream, so an event can start twice (a reply read before its
post, two workers, a batch boundary) and be found to be one later: the item that shows it
names the other events in `same_event_as`. Here their open cases merge into the earliest
detected one (CaseDesk.merge_many: dismissed as "merged into X", evidence and timeline
moved), and every event of the group points at the survivor's event (namespace "event_case"
in the state store), so later items of any of them — even of an event that has no case yet —
land in that one case. The merges a batch finds are made at its end, all the cases absorbed
into one target with one write of the target.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from alerts.cases import case_id_for
from alerts.merging import holder
from alerts.status import WorkflowError
from alerts.steps import CLOSED_STATUSES
from pipeline.models import Case, ScoredItem, parse_time
from pipeline.storage.base import CaseStore, StateStore

log = logging.getLogger("yuqing.alert")

NAMESPACE = "event_case"
ACTOR = "系统（同一事件自动合并）"
MAX_HOPS = 8
WINDOW_S = 90 * 86_400  # an event quiet for a quarter is not joined any more

# (absorbed case ids, target case id) → the ids refused, each with why
MergeCases = Callable[[list[str], str], list[tuple[str, Exception]]]


class EventLinks:
    """Resolves each item's event to the one its case is kept under, merging cases that
    `same_event_as` shows to be one event."""

    def __init__(self, cases: CaseStore, state: StateStore, merge: MergeCases, now: float):
        self.cases = cases
        self.state = state
        self.merge = merge
        self.expires_at = now + WINDOW_S
        self.merged: list[tuple[str, str]] = []
        self.original: dict[str, str] = {}  # item id → its own event, when redirected
        self.pending: dict[str, str] = {}  # absorbed case id → target, merged at the batch end
        self.redirects: dict[str, str] = {}  # event → the event it is kept under, to store

    def resolve(self, items: Sequence[ScoredItem]) -> list[ScoredItem]:
        """The items with `event_id` set to the event their case is kept under."""
        wanted = {e for it in items for e in (it.event_id, *it.same_event_as)}
        events = {e: e for e in wanted} | dict(self.state.get_many(NAMESPACE, sorted(wanted)))
        self.pending, self.redirects = {}, {}
        for item in items:
            if item.same_event_as:
                self._link(item, events)
        self._merge_pending()
        # after the merges: a crash in between leaves the redirects unwritten, and the
        # replay finds both cases again and merges them (never a redirect without its merge)
        for event, target in self.redirects.items():
            self.state.put(NAMESPACE, event, target, self.expires_at)
        out = []
        for item in items:  # after every link: an item before its link in the batch follows
            target = self._target(item.event_id, events)
            if target != item.event_id:
                self.original[item.id] = item.event_id
                item = _with_event(item, target)
            out.append(item)
        return out

    def _link(self, item: ScoredItem, events: dict[str, str]) -> None:
        group = [item.event_id, *item.same_event_as]
        live: dict[str, Case] = {}
        for event in dict.fromkeys(self._target(e, events) for e in group):
            case = self._holder(case_id_for(item.profile, event))
            if case is not None and case.status not in CLOSED_STATUSES:
                live[case.case_id] = case
        if live:
            first = min(live.values(), key=lambda c: (parse_time(c.detected_at), c.case_id))
            survivor = first.event_id
            for case_id in live:
                if case_id != first.case_id:
                    self.pending[case_id] = first.case_id
        else:
            survivor = self._target(item.event_id, events)
        changed: dict[str, str] = {}
        for event in group:  # the event and where it led so far: a chain's end moves too
            for moved in (event, self._target(event, events)):
                if moved != survivor and events.get(moved, moved) != survivor:
                    changed[moved] = survivor
        self.redirects.update(changed)  # stored after the merges (_merge_pending)
        events.update(changed)

    def _target(self, event: str, events: dict[str, str]) -> str:
        """The event `event` is kept under, following a chain of redirects (X → Y → Z)."""
        for _ in range(MAX_HOPS):
            nxt = events.get(event)
            if nxt is None and event not in events:
                nxt = self.state.get(NAMESPACE, event)
                events[event] = nxt if nxt is not None else event
            if nxt is None or nxt == event:
                return event
            event = nxt
        return event

    def _holder(self, case_id: str) -> Case | None:
        """The case holding `case_id`'s event now: merges already stored are followed in
        the store, the ones this batch found (not yet made) here. The survivor of a group is
        its earliest case, so a pending target's `detected_at` is already the group's."""
        case = holder(self.cases, case_id)
        for _ in range(MAX_HOPS):
            if case is None or case.case_id not in self.pending:
                return case
            case = holder(self.cases, self.pending[case.case_id])
        return case

    def _final(self, case_id: str) -> str:
        for _ in range(MAX_HOPS):
            if case_id not in self.pending:
                break
            case_id = self.pending[case_id]
        return case_id

    def _merge_pending(self) -> None:
        """The batch's merges: every case absorbed into one target in one merge."""
        into: dict[str, list[str]] = {}
        for absorbed in self.pending:
            into.setdefault(self._final(absorbed), []).append(absorbed)
        for target, absorbed in into.items():
            try:
                refused = dict(self.merge(absorbed, target))
            except WorkflowError as exc:  # e.g. closed meanwhile: all stay as they are
                refused = dict.fromkeys(absorbed, exc)
            for case_id in absorbed:
                if case_id in refused:
                    log.warning(
                        "cases: cannot merge %s into %s: %s", case_id, target, refused[case_id]
                    )
                else:
                    self.merged.append((case_id, target))
                    log.info("cases: %s merged into %s (the same event)", case_id, target)
        self.pending = {}


def _with_event(item: ScoredItem, event_id: str) -> ScoredItem:
    return item.model_copy(update={"event_id": event_id})
