"""The alert stage: scored items open or join cases, findings are stored, and the tick moves
the response clocks on (marking breaches on the case timeline).

The policy profile comes from the jurisdiction profile's `policy` (deploy/profiles/*.yaml)
unless the stage options name one. Everything is idempotent: a replayed batch changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from alerts.cases import CaseBuilder, CaseOpener, OpeningThreshold
from alerts.clocks import ClockCalculator
from alerts.escalation import ClockNarrator, ClockWatcher
from alerts.policy import PolicyProfile, load_policy
from alerts.workdays import DEFAULT_HOLIDAY_FILE, WorkdayCalendar
from pipeline.config import ConfigError
from pipeline.models import Finding, ScoredItem
from pipeline.profile import load_profile
from pipeline.stage import Envelope, Stage
from pipeline.topics import FINDINGS, ITEMS_SCORED


class AlertOptions(BaseModel):
    """Options of stages.alert in the config file."""

    model_config = ConfigDict(extra="forbid")

    policy: str | None = None  # a policy profile name or file; default: the jurisdiction's
    policies_dir: Path | None = None  # default deploy/policies
    holidays: Path | None = None  # default deploy/policies/holidays.yaml
    min_risk: int = Field(default=60, ge=0, le=100)  # risk that opens a case on its own
    open_on_category: bool = True  # any key-response category opens a case
    open_on_important: bool = True
    open_on_superior_request: bool = True

    def threshold(self) -> OpeningThreshold:
        return OpeningThreshold(
            self.min_risk,
            self.open_on_category,
            self.open_on_important,
            self.open_on_superior_request,
        )


class AlertStage(Stage):
    name: ClassVar[str] = "alert"
    consumes = (ITEMS_SCORED, FINDINGS)
    Options: ClassVar[type[BaseModel]] = AlertOptions
    tick_interval_s: ClassVar[float] = 30.0

    options: AlertOptions

    def __init__(self, ctx, options: BaseModel | None = None):
        super().__init__(ctx, options)
        self._calendar: WorkdayCalendar | None = None
        self.narrator_for = cache(self._narrator_for)

    # -- policy per jurisdiction profile --------------------------------------------------
    def policy_name(self, profile: str) -> str:
        if self.options.policy:
            return self.options.policy
        if profile == self.ctx.settings.profile or not profile:
            return self.ctx.profile.policy
        try:
            base = self.ctx.settings.source.parent if self.ctx.settings.source else None
            return load_profile(profile, base).policy
        except ConfigError:
            self.log.warning(
                "no jurisdiction profile %r: using %s's policy", profile, self.ctx.settings.profile
            )
            return self.ctx.profile.policy

    def policy_for(self, profile: str) -> PolicyProfile:
        return load_policy(self.policy_name(profile), self.options.policies_dir)

    @property
    def calendar(self) -> WorkdayCalendar:
        if self._calendar is None:
            self._calendar = WorkdayCalendar.load(self.options.holidays or DEFAULT_HOLIDAY_FILE)
        return self._calendar

    def _narrator_for(self, profile: str) -> ClockNarrator:
        return ClockNarrator(ClockCalculator(self.policy_for(profile), self.calendar))

    def builder_for(self, profile: str) -> CaseBuilder:
        return CaseBuilder(self.narrator_for(profile))

    # -- the stage ------------------------------------------------------------------------
    def process(self, batch: Sequence[Envelope]) -> None:
        now = self.ctx.clock()
        items = [e.record for e in batch if isinstance(e.record, ScoredItem)]
        for env in batch:
            if isinstance(env.record, Finding):
                self.ctx.stores.findings.put(env.record)
        if items:
            opener = CaseOpener(self.ctx.stores.cases, self.builder_for, self.options.threshold())
            result = opener.apply(items, now)
            if result.opened or result.merged:
                self.log.info(
                    "cases: %d opened, %d updated, %d items below the threshold",
                    len(result.opened),
                    len(result.merged),
                    result.skipped,
                )

    def tick(self, now: datetime) -> None:
        changed = ClockWatcher(self.ctx.stores.cases, self.narrator_for).tick(now)
        if changed:
            self.log.info("clocks: %d case(s) changed", len(changed))
