"""What every classifier shares: analyse → decide → event id → watches → ScoredItem.

Subclasses implement `decide(analysis) -> Decision` (the rules baseline, the model
classifier). `score_many` assigns event ids for the whole batch at once, so the event
index reads and writes the state store once per batch, not once per key. A batch runs
with the cyclic garbage collector paused (`paused_gc`): scoring allocates tens of thousands
of short-lived containers, freed by reference counting, and the collector's passes over the
process's ~100,000 long-lived objects (model, lexicons, token memo) cost more than the rest of
the stage's Python work. The collector runs as usual between batches.
"""

from __future__ import annotations

import gc
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from classifiers.analysis import Analysis, ItemAnalyzer
from classifiers.decision import Decision, ScoredItemBuilder
from classifiers.event_keys import event_facts
from classifiers.events import DEFAULT_WINDOW_DAYS, EventIndex, new_event_id
from classifiers.normalize import MAX_TEXT_CHARS
from classifiers.watches import WatchList
from pipeline.models import Item, ScoredItem
from pipeline.profile import JurisdictionProfile
from pipeline.storage.base import StateStore

log = logging.getLogger("yuqing.classify")


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic collector off for the block (on again after, if it was on)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


class _Cores(Sequence[str]):
    """Each analysis's `core` (shingle_core of its content), read only for the items the
    event index shingles: the model classifier's features found most of them already."""

    def __init__(self, analyses: Sequence[Analysis]):
        self.analyses = analyses

    def __len__(self) -> int:
        return len(self.analyses)

    def __getitem__(self, n):  # type: ignore[override]
        return self.analyses[n].core


class ScoringClassifier(ABC):
    """Scores items for one jurisdiction profile; the event index is optional (tests, bench)."""

    name = "classifier"

    def __init__(
        self,
        profile: JurisdictionProfile,
        state: StateStore | None = None,
        event_window_days: float = DEFAULT_WINDOW_DAYS,
        max_text_chars: int = MAX_TEXT_CHARS,
        watches: WatchList | None = None,
        analyzer: ItemAnalyzer | None = None,
    ):
        self.profile = profile
        self.analyzer = analyzer or ItemAnalyzer(profile, max_text_chars)
        self.builder = ScoredItemBuilder(profile.name)
        self.events = EventIndex(state, event_window_days) if state is not None else None
        self.watches = watches

    @abstractmethod
    def decide(self, a: Analysis) -> Decision: ...

    def decide_many(self, analyses: Sequence[Analysis]) -> list[Decision]:
        return [self.empty_decision(a) if a.empty else self.decide(a) for a in analyses]

    def empty_decision(self, a: Analysis) -> Decision:
        return Decision(False, "标题和正文为空", self.analyzer.county)

    def score(self, item: Item) -> ScoredItem:
        return self.score_many([item])[0]

    def score_many(self, items: Sequence[Item]) -> list[ScoredItem]:
        with paused_gc():
            return self._score_many(items)

    def _score_many(self, items: Sequence[Item]) -> list[ScoredItem]:
        analyses = [self.analyzer.analyze(item) for item in items]
        decisions = self.decide_many(analyses)
        if self.events is None:
            for a, d in zip(analyses, decisions, strict=True):
                d.event_id, d.event_how = new_event_id(a.item.parent_id or a.item.id), "未建索引"
        else:
            county = self.analyzer.county.code
            assigned = self.events.assign_many(
                [
                    (a.item, a.content, d.relevant, event_facts(a, d, county))
                    for a, d in zip(analyses, decisions, strict=True)
                ],
                _Cores(analyses),
            )
            for d, got in zip(decisions, assigned, strict=True):
                d.event_id, d.event_how, d.same_event_as = got.event_id, got.how, list(got.same_as)
        if self.watches:
            for a, d in zip(analyses, decisions, strict=True):
                d.watches = self.watches.match(a.item, a.content, a.tokens)
        return [self.builder.build(a, d) for a, d in zip(analyses, decisions, strict=True)]
