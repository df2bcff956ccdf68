"""The alert stage: scored items open or join cases, findings are stored, and the tick moves
the response clocks on (reminders, breaches and escalations on the case timeline, notices in
the outbox).

The policy profile comes from the jurisdiction profile's `policy` (deploy/profiles/*.yaml)
unless the stage options name one (resolver.py). Everything is idempotent: a replayed batch
changes nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import ClassVar

from pydantic import BaseModel

from alerts.case_cache import CachedCaseStore
from alerts.cases import CaseBuilder
from alerts.casework import CaseDesk
from alerts.escalation import ClockNarrator, ClockWatcher
from alerts.event_links import ACTOR as LINK_ACTOR
from alerts.event_links import EventLinks
from alerts.notices import Outbox
from alerts.opener import CaseOpener
from alerts.policy import PolicyProfile
from alerts.resolver import AlertOptions, PolicyResolver
from pipeline.models import Case, Finding, ScoredItem
from pipeline.stage import Envelope, Stage, StageContext
from pipeline.storage.base import CaseStore, Stores
from pipeline.topics import FINDINGS, ITEMS_SCORED

__all__ = ["AlertOptions", "AlertStage"]


class AlertStage(Stage):
    name: ClassVar[str] = "alert"
    consumes = (ITEMS_SCORED, FINDINGS)
    Options: ClassVar[type[BaseModel]] = AlertOptions
    tick_interval_s: ClassVar[float] = 30.0

    options: AlertOptions

    def __init__(self, ctx: StageContext, options: BaseModel | None = None):
        super().__init__(ctx, options)
        self.resolver = PolicyResolver(ctx.settings, self.options)
        self._stores: tuple[Stores, Stores] | None = None  # (the context's, with the cache)
        # a profile's policy, builder and opening rule do not change while the stage runs
        self.builder_for = cache(self.resolver.builder_for)  # type: ignore[method-assign]
        self.opening_for = cache(self.resolver.opening_for)

    @property
    def stores(self) -> Stores:
        """The context's stores, their case store caching what this process wrote: such a
        case is not read and parsed again (case_cache.py)."""
        base = self.ctx.stores
        if self._stores is None or self._stores[0] is not base:
            cached = CachedCaseStore(base.cases)
            self._stores = (base, dataclasses.replace(base, cases=cached, closers=[]))
        return self._stores[1]

    @property
    def cases(self) -> CaseStore:
        return self.stores.cases

    # -- policy per jurisdiction profile (resolver.py) ------------------------------------
    def policy_name(self, profile: str) -> str:
        return self.resolver.policy_name(profile)

    def policy_for(self, profile: str) -> PolicyProfile:
        return self.resolver.policy_for(profile)

    def narrator_for(self, profile: str) -> ClockNarrator:
        return self.resolver.narrator_for(profile)

    def builder_for(self, profile: str) -> CaseBuilder:  # replaced by a cached one per stage
        return self.resolver.builder_for(profile)

    def _finish(self, case: Case, now: datetime) -> Case:
        """Before a case is written: the alerts due now, put in the outbox first."""
        finished = self.resolver.maintain(case, now)
        Outbox(self.stores.state).put_case(finished)
        return finished

    # -- the stage ------------------------------------------------------------------------
    def process(self, batch: Sequence[Envelope]) -> None:
        now = self.ctx.clock()
        items = [e.record for e in batch if isinstance(e.record, ScoredItem)]
        for env in batch:
            if isinstance(env.record, Finding):
                self.stores.findings.put(env.record)
        if items:
            desk = CaseDesk(self.stores, self.ctx.settings, lambda: now, self.resolver)
            links = EventLinks(
                self.cases,
                self.stores.state,
                lambda absorbed, into: desk.merge_many(absorbed, into, LINK_ACTOR, brief=True)[2],
                now.timestamp(),
            )
            opener = CaseOpener(
                self.cases,
                self.builder_for,
                self.opening_for,
                finish=self._finish,
                links=links,
                items=self.stores.items,
            )
            result = opener.apply(items, now)
            self.cases.refresh()  # searchable before the batch is committed
            if result.opened or result.merged or links.merged:
                self.log.info(
                    "cases: %d opened, %d updated, %d merged as one event, "
                    "%d items below the threshold",
                    len(result.opened),
                    len(result.merged),
                    len(links.merged),
                    result.skipped,
                )

    def tick(self, now: datetime) -> None:
        watcher = ClockWatcher(self.cases, self.resolver.maintain, Outbox(self.stores.state))
        changed = watcher.tick(now)
        if changed:
            self.cases.refresh()
            self.log.info("clocks: %d case(s) changed", len(changed))
