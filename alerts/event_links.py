"""One case per event, whatever order the items came in.

The classify stage clusters a stream, so an event can start twice (a reply read before its
post, two workers, a batch boundary) and be found to be one later: the item that shows it
names the other events in `same_event_as`. Here their open cases merge into the earliest
detected one (CaseDesk.merge: dismissed as "merged into X", evidence and timeline moved),
and every event of the group points at the survivor's event (namespace "event_case" in the
state store), so later items of any of them — even of an event that has no case yet — land
in that one case.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

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

MergeCases = Callable[[str, str], Any]  # (absorbed case id, target case id)


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

    def resolve(self, items: Sequence[ScoredItem]) -> list[ScoredItem]:
        """The items with `event_id` set to the event their case is kept under."""
        wanted = {e for it in items for e in (it.event_id, *it.same_event_as)}
        events = {e: e for e in wanted} | dict(self.state.get_many(NAMESPACE, sorted(wanted)))
        for item in items:
            if item.same_event_as:
                self._link(item, events)
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
            case = holder(self.cases, case_id_for(item.profile, event))
            if case is not None and case.status not in CLOSED_STATUSES:
                live[case.case_id] = case
        if live:
            first = min(live.values(), key=lambda c: (parse_time(c.detected_at), c.case_id))
            survivor = first.event_id
            for case_id in live:
                if case_id != first.case_id:
                    self._merge(case_id, first.case_id)
        else:
            survivor = self._target(item.event_id, events)
        changed: dict[str, str] = {}
        for event in group:  # the event and where it led so far: a chain's end moves too
            for moved in (event, self._target(event, events)):
                if moved != survivor and events.get(moved, moved) != survivor:
                    changed[moved] = survivor
        if changed:
            for event, target in changed.items():
                self.state.put(NAMESPACE, event, target, self.expires_at)
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

    def _merge(self, absorbed: str, target: str) -> None:
        try:
            self.merge(absorbed, target)
        except WorkflowError as exc:  # e.g. closed meanwhile: both stay as they are
            log.warning("cases: cannot merge %s into %s: %s", absorbed, target, exc)
            return
        self.merged.append((absorbed, target))
        log.info("cases: %s merged into %s (the same event)", absorbed, target)


def _with_event(item: ScoredItem, event_id: str) -> ScoredItem:
    return item.model_copy(update={"event_id": event_id})
