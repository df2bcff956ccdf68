"""Which policy profile, calendar and jurisdiction profile a case is handled under, shared by
the alert stage and the `yuqing cases` commands so both compute the same clocks.

The policy comes from stages.alert.policy when set, else from the jurisdiction profile's
`policy` (deploy/profiles/*.yaml). `maintain` is what every write of a case goes through:
clocks refreshed (timeline notes), due alerts added, an expired watch ended, and the time
the clock tick must look at the case next (`next_check_at`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from alerts.alarms import AlarmPlanner
from alerts.cases import CaseBuilder
from alerts.clocks import ClockCalculator, next_check
from alerts.escalation import ClockNarrator
from alerts.policy import PolicyProfile, load_policy
from alerts.policy_options import OpeningRule
from alerts.recipients import directory_for
from alerts.watch import end_expired_watch
from alerts.workdays import DEFAULT_HOLIDAY_FILE, WorkdayCalendar
from pipeline.config import ConfigError, Settings
from pipeline.models import Case
from pipeline.profile import JurisdictionProfile, load_profile

log = logging.getLogger("yuqing.alert")


class AlertOptions(BaseModel):
    """Options of stages.alert in the config file. The opening keys, when given, override
    the policy profile's `opening` section."""

    model_config = ConfigDict(extra="forbid")

    policy: str | None = None  # a policy profile name or file; default: the jurisdiction's
    policies_dir: Path | None = None  # default deploy/policies
    holidays: Path | None = None  # default deploy/policies/holidays.yaml
    min_risk: int | None = Field(default=None, ge=0, le=100)  # risk that opens a case alone
    open_on_category: bool | None = None  # any key-response category opens a case
    open_on_important: bool | None = None
    open_on_superior_request: bool | None = None


class PolicyResolver:
    """Policies, calendar and directories by jurisdiction profile; cached per process."""

    def __init__(self, settings: Settings, options: AlertOptions | None = None):
        self.settings = settings
        self.options = options or AlertOptions()
        self._calendar: WorkdayCalendar | None = None
        self.narrator_for = cache(self._narrator_for)
        self.directory_for = cache(directory_for)

    @classmethod
    def from_settings(cls, settings: Settings) -> PolicyResolver:
        config = settings.stages.get("alert")
        raw = config.options() if config else {}
        known = set(AlertOptions.model_fields)
        return cls(settings, AlertOptions.model_validate({k: raw[k] for k in raw if k in known}))

    def policy_name(self, profile: str) -> str:
        if self.options.policy:
            return self.options.policy
        base = self.settings.source.parent if self.settings.source else None
        try:
            return load_profile(profile or self.settings.profile, base).policy
        except ConfigError:
            log.warning(
                "no jurisdiction profile %r: using %s's policy", profile, self.settings.profile
            )
            return load_profile(self.settings.profile, base).policy

    def policy_for(self, profile: str) -> PolicyProfile:
        return load_policy(self.policy_name(profile), self.options.policies_dir)

    @property
    def calendar(self) -> WorkdayCalendar:
        if self._calendar is None:
            self._calendar = WorkdayCalendar.load(self.options.holidays or DEFAULT_HOLIDAY_FILE)
        return self._calendar

    def _narrator_for(self, profile: str) -> ClockNarrator:
        return ClockNarrator(ClockCalculator(self.policy_for(profile), self.calendar))

    def directory(self, profile: str) -> JurisdictionProfile | None:
        return self.directory_for(profile)

    def opening_for(self, profile: str) -> OpeningRule:
        rule: OpeningRule = self.policy_for(profile).option("opening")
        o = self.options
        overrides = {
            "min_risk": o.min_risk,
            "on_category": o.open_on_category,
            "on_important": o.open_on_important,
            "on_superior_request": o.open_on_superior_request,
        }
        return rule.model_copy(update={k: v for k, v in overrides.items() if v is not None})

    def builder_for(self, profile: str) -> CaseBuilder:
        policy = self.policy_for(profile)
        return CaseBuilder(self.narrator_for(profile), policy, self.directory(profile))

    def maintain(self, case: Case, now: datetime) -> Case:
        """The case with its clocks refreshed, due alerts added and an expired watch ended."""
        narrator = self.narrator_for(case.profile)
        refreshed = narrator.refresh(case, now)
        planner = AlarmPlanner(narrator.calculator.policy, self.directory(case.profile))
        refreshed = planner.plan(refreshed, now) or refreshed
        refreshed = end_expired_watch(refreshed, now)
        wake = next_check(refreshed, narrator.calculator.policy, now)
        if wake == refreshed.next_check_at:
            return refreshed
        return refreshed.model_copy(update={"next_check_at": wake})
