"""Policy profiles: which response clocks apply to a case, read from deploy/policies/*.yaml.

A profile is data the office picks (contracts.md, "Policy profiles"); it may `extends:` others,
and all clocks of the chain apply. Loading validates every clock and reports a mistake with
the file and the key (`national-2016.yaml: clocks.1.due: …`), as the kernel's config does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from alerts.events import KNOWN_EVENTS, first_time
from alerts.localtime import DEFAULT_TIMEZONE
from alerts.policy_options import DEFAULTS, PolicyOptions
from pipeline.config import DEPLOY_DIR, ConfigError, describe_validation, load_yaml
from pipeline.models import Case, Category, Importance, Severity

POLICY_DIR = DEPLOY_DIR / "policies"
NAME_PATTERN = r"^[a-z][a-z0-9_-]*$"


def _known_event(value: str) -> str:
    if value not in KNOWN_EVENTS:
        raise ValueError(f"unknown event {value!r}; known: {', '.join(KNOWN_EVENTS)}")
    return value


class Condition(BaseModel):
    """`applies_to`: every key given must hold (AND); `not` negates a nested condition."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    importance: Importance | None = None
    categories_any: list[Category] | None = None  # the case carries one of these codes
    severity_in: list[Severity] | None = None
    # Every case is government-related: only relevant items open one (contracts.md).
    government_related: bool | None = None
    event: str | None = None  # this case event has happened (e.g. problem_confirmed)
    not_: Condition | None = Field(default=None, alias="not")

    @field_validator("event")
    @classmethod
    def _known_event(cls, value: str | None) -> str | None:
        return value if value is None else _known_event(value)

    def matches(self, case: Case, now: datetime) -> bool:
        if self.importance is not None and case.importance != self.importance:
            return False
        if self.categories_any is not None and not set(case.categories) & set(self.categories_any):
            return False
        if self.severity_in is not None and case.severity not in self.severity_in:
            return False
        if self.government_related is False:
            return False
        if self.event is not None and first_time(case, self.event, now) is None:
            return False
        return not (self.not_ is not None and self.not_.matches(case, now))


class Due(BaseModel):
    """How long a clock runs: exactly one of hours, days, working_days, end_of_local_day."""

    model_config = ConfigDict(extra="forbid")

    hours: float | None = Field(default=None, gt=0)
    days: float | None = Field(default=None, gt=0)  # calendar days of 24 h
    working_days: int | None = Field(default=None, ge=1)  # official calendar (workdays.py)
    end_of_local_day: bool = False  # the local midnight that ends the start's day

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if data == "end_of_local_day":
            return {"end_of_local_day": True}
        return data

    @model_validator(mode="after")
    def _exactly_one(self) -> Due:
        given = [k for k in ("hours", "days", "working_days") if getattr(self, k) is not None]
        given += ["end_of_local_day"] if self.end_of_local_day else []
        if len(given) != 1:
            raise ValueError(
                "give exactly one of hours, days, working_days, end_of_local_day"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self


class ClockSpec(BaseModel):
    """One clock of a profile: a row of the clock table in contracts.md."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = ""  # what people read (Chinese), e.g. 首次回应
    applies_to: Condition
    due: Due
    start: str = "detected"
    met_by: list[str] = Field(min_length=1)  # all of these events meet it
    rule: str = Field(min_length=1)  # the source, e.g. "国办发〔2016〕61号: 5 h"

    @field_validator("start")
    @classmethod
    def _known_start(cls, value: str) -> str:
        return _known_event(value)

    @field_validator("met_by", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("met_by")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        return [_known_event(v) for v in value]


class PolicyFile(PolicyOptions):
    """One file of deploy/policies/ as written: clocks plus the option sections."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_PATTERN)
    title: str = ""
    source: str = ""  # the document, e.g. 国办发〔2016〕61号
    extends: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    clocks: list[ClockSpec] = Field(default_factory=list)
    weekly_report: Condition | None = None  # cases reported weekly instead of a clock

    @model_validator(mode="after")
    def _unique_clock_names(self) -> PolicyFile:
        names = [c.name for c in self.clocks]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"clock names must be unique in one profile: {', '.join(dupes)}")
        return self


@dataclass(frozen=True)
class ClockDefinition:
    """A clock spec and the profile that defines it (`depth` 0 = the chosen profile)."""

    spec: ClockSpec
    profile: str
    depth: int


@dataclass(frozen=True)
class PolicyProfile:
    """A chosen profile with its `extends` chain resolved, nearest first."""

    name: str
    timezone: str
    chain: tuple[PolicyFile, ...]

    @cached_property  # the chain never changes: built once (the clock code asks per case)
    def definitions(self) -> list[ClockDefinition]:
        return [
            ClockDefinition(spec, f.name, depth)
            for depth, f in enumerate(self.chain)
            for spec in f.clocks
        ]

    def option(self, name: str) -> Any:
        """An option section (policy_options.py): the nearest file that gives it, else the
        default (`assign_at_once` has none: off unless a profile turns it on)."""
        for policy in self.chain:
            value = getattr(policy, name)
            if value is not None:
                return value
        return getattr(DEFAULTS, name)

    def definition(self, name: str, rule: str | None = None) -> ClockDefinition | None:
        """The definition of a clock by name (and rule, when several profiles define it)."""
        found = [d for d in self.definitions if d.spec.name == name]
        exact = [d for d in found if rule is not None and d.spec.rule == rule]
        return (exact or found or [None])[0]


def policy_path(name_or_path: str | os.PathLike[str], base: Path | None = None) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml"):
        return candidate if candidate.is_absolute() or base is None else base / candidate
    return (base or POLICY_DIR) / f"{candidate}.yaml"


def _read(path: Path) -> PolicyFile:
    if not path.exists():
        raise ConfigError(f"{path}: policy profile not found")
    raw = load_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    try:
        policy = PolicyFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(describe_validation(exc, str(path))) from None
    if policy.name != path.stem:
        raise ConfigError(f"{path}: name: {policy.name!r} differs from the file name {path.stem!r}")
    return policy


@cache
def _load(path: Path, mtime: float) -> PolicyProfile:
    chain: list[PolicyFile] = []
    current = path
    while True:
        policy = _read(current)
        if any(p.name == policy.name for p in chain):
            names = " → ".join([*(p.name for p in chain), policy.name])
            raise ConfigError(
                f"{path}: extends: the profiles extend each other in a circle: {names}"
            )
        chain.append(policy)
        if not policy.extends:
            break
        parent = policy_path(policy.extends, current.parent)
        if not parent.exists():
            raise ConfigError(
                f"{current}: extends: no policy profile {policy.extends!r} ({parent})"
            )
        current = parent
    return PolicyProfile(chain[0].name, chain[0].timezone, tuple(chain))


def load_policy(name_or_path: str | os.PathLike[str], base: Path | None = None) -> PolicyProfile:
    """Load a policy profile by name (deploy/policies/NAME.yaml) or path, with its chain."""
    path = policy_path(name_or_path, base).resolve()
    mtime = path.stat().st_mtime if path.exists() else 0.0
    return _load(path, mtime)
