"""Watches: topics the office sets itself (seed 001: a major policy's topic is watched for risk
before it is issued). An item that matches a watch carries its name in `ScoredItem.watches`.

File (YAML, `DATA/watches.yaml` by default, or the classify option `watches`):

    watches:
      - name: 医保缴费调整            # shown on the item and in the explanation
        terms: [医保缴费, 医保费]      # any of these in title or text …
        all_terms: [定安]              # … and all of these (optional)
        period: {start: 2026-11-01, end: 2026-12-31}   # published_at within (optional)

Dates are inclusive local dates (or ISO times with offset). A broken file is an error with
the file and the watch named, never a silent empty list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from classifiers.lexicon import LexiconMatcher
from pipeline.models import Item, parse_time

LOCAL = timezone(timedelta(hours=8))  # Asia/Shanghai has no daylight saving


class Period(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: date | datetime | None = None
    end: date | datetime | None = None


class Watch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    terms: list[str] = Field(min_length=1)
    all_terms: list[str] = Field(default_factory=list)
    period: Period | None = None

    @field_validator("terms", "all_terms")
    @classmethod
    def _no_blank(cls, value: list[str]) -> list[str]:
        if any(not str(t).strip() for t in value):
            raise ValueError("a term may not be empty")
        return [str(t) for t in value]


def _bound(value: date | datetime | None, end: bool) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=LOCAL)
    moment = datetime.combine(value, time.max if end else time.min, tzinfo=LOCAL)
    return moment


@dataclass
class _Compiled:
    name: str
    any_of: LexiconMatcher
    all_of: tuple[str, ...]
    start: datetime | None
    end: datetime | None


class WatchList:
    """Matches items against the office's watches."""

    def __init__(self, watches: list[Watch]):
        self.watches = watches
        self._compiled = [
            _Compiled(
                w.name,
                LexiconMatcher(w.terms),
                tuple(w.all_terms),
                _bound(w.period.start, False) if w.period else None,
                _bound(w.period.end, True) if w.period else None,
            )
            for w in watches
        ]

    def __bool__(self) -> bool:
        return bool(self._compiled)

    @classmethod
    def from_file(cls, path: Path) -> WatchList:
        try:
            raw: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ValueError(f"{path}: cannot read watches: {exc}") from None
        entries = raw.get("watches") if isinstance(raw, dict) else None
        if not isinstance(entries, list):
            raise ValueError(f"{path}: expected a list under `watches:`")
        watches = []
        for n, entry in enumerate(entries, 1):
            try:
                watches.append(Watch.model_validate(entry))
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                raise ValueError(f"{path}: watch {n}: {where}: {first['msg']}") from None
        return cls(watches)

    def match(self, item: Item, content: str, tokens: list[str] | None = None) -> list[str]:
        names: list[str] = []
        published: datetime | None = None
        for w in self._compiled:
            if w.start or w.end:
                if published is None:
                    try:
                        published = parse_time(item.published_at)
                    except ValueError:
                        continue
                if (w.start and published < w.start) or (w.end and published > w.end):
                    continue
            if not w.any_of.find(content):
                continue
            if all(term in content for term in w.all_of):
                names.append(w.name)
        return names
