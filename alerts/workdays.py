"""Working-day arithmetic on China's official calendar (holidays and make-up workdays).

`chinese-calendar` knows the State Council's schedule up to its last release (1.11.0: 2026);
deploy/policies/holidays.yaml lets the office add later years (or correct a day) without a
release. A date neither source covers falls back to weekends-only, and the result says so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from alerts.localtime import DEFAULT_TIMEZONE, to_local, zone
from pipeline.config import DEPLOY_DIR, ConfigError, describe_validation, load_yaml

log = logging.getLogger("yuqing.alert.workdays")

DEFAULT_HOLIDAY_FILE = DEPLOY_DIR / "policies" / "holidays.yaml"
# In a clock's rule when its deadline counted weekends only (a year no holiday data covers).
ASSUMED_MARK = "按周末推算"


class HolidayFile(BaseModel):
    """deploy/policies/holidays.yaml: dates the office declares, with a note each."""

    model_config = ConfigDict(extra="forbid")

    years: list[int] = Field(default_factory=list)  # years the file covers completely
    holidays: dict[date, str] = Field(default_factory=dict)  # days off (法定节假日)
    workdays: dict[date, str] = Field(default_factory=dict)  # make-up workdays (调休上班)


@dataclass
class WorkdayCalendar:
    """Is a day a working day? The office's file first, then chinese-calendar, then weekends."""

    holidays: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)
    years: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, path: Path | None = DEFAULT_HOLIDAY_FILE) -> WorkdayCalendar:
        if path is None or not Path(path).exists():
            return cls()
        raw: Any = load_yaml(Path(path)) or {}
        try:
            data = HolidayFile.model_validate(raw)
        except ValidationError as exc:
            raise ConfigError(describe_validation(exc, str(path))) from None
        overlap = sorted(set(data.holidays) & set(data.workdays))
        if overlap:
            raise ConfigError(f"{path}: {overlap[0]} is listed both as a holiday and a workday")
        years = set(data.years) | {d.year for d in (*data.holidays, *data.workdays)}
        return cls(dict(data.holidays), dict(data.workdays), years)

    def is_known(self, day: date) -> bool:
        """True when the official schedule for `day` is known (file or package)."""
        return (
            day in self.holidays
            or day in self.workdays
            or self._package_knows(day)
            or (day.year in self.years)
        )

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        if day.year in self.years or not self._package_knows(day):
            return day.weekday() < 5
        return bool(chinese_calendar.is_workday(day))

    @staticmethod
    def _package_knows(day: date) -> bool:
        try:
            chinese_calendar.is_workday(day)
        except NotImplementedError:
            return False
        return True


@dataclass(frozen=True)
class WorkdayDeadline:
    """A deadline in working days, and the days that were guessed (weekends-only)."""

    due_at: datetime
    assumed: tuple[date, ...] = ()

    @property
    def note(self) -> str:
        if not self.assumed:
            return ""
        years = sorted({d.year for d in self.assumed})
        return f"（{'、'.join(map(str, years))}年节假日未知，{ASSUMED_MARK}）"


def add_working_days(
    start: str | datetime,
    days: int,
    calendar: WorkdayCalendar,
    tz: str = DEFAULT_TIMEZONE,
) -> WorkdayDeadline:
    """The end (local midnight) of the `days`-th working day after the day of `start`.

    "Register within 1 working day" of a request on Friday 10:00 is due at the end of the
    next working day (usually Monday 24:00). Days of unknown years count weekends only; they
    are listed in `assumed` so the caller can say so.
    """
    if days < 1:
        raise ValueError("working days must be at least 1")
    day = to_local(start, tz).date()
    counted = 0
    assumed: list[date] = []
    while counted < days:
        day += timedelta(days=1)
        if not calendar.is_known(day):
            assumed.append(day)
        if calendar.is_workday(day):
            counted += 1
    if assumed:
        log.warning("working days past the known holiday calendar (%s): weekends only", day.year)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone(tz))
    return WorkdayDeadline(end, tuple(assumed))
