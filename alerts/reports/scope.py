"""Whose report it is: one jurisdiction profile per report in a deployment that monitors
several counties (settings `profiles`, optional `superior`).

- A monitored county's report counts only that county's items and cases, is titled with its
  name and goes to its leaders (sending.py).
- The superior's (a city or the province) is a roll-up: every monitored county's figures
  and its own cross-county cases, with a table by county.
- With one profile and no superior nothing is filtered, as before profiles existed.

The default profile keeps the plain report ids (`weekly-2026-11-16`, so records and links
made before stay valid); another profile's carry its name (`weekly-tunchang-2026-11-16`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from alerts.reports.workflow import ReportError
from pipeline.config import Settings
from pipeline.profile import JurisdictionProfile, load_profile


@dataclass(frozen=True)
class ReportScope:
    name: str  # the profile the report belongs to
    directory: JurisdictionProfile  # its towns, departments and leaders
    only: str | None  # the profile whose items and cases it counts (None: all of them)
    counties: dict[str, str] | None = None  # a roll-up: profile → the name its row shows
    default: bool = True  # the deployment's default profile

    @property
    def jurisdiction(self) -> str:
        return self.directory.jurisdiction

    def report_id(self, kind: str, first_day: str) -> str:
        """weekly-2026-11-16 for the default profile, weekly-tunchang-2026-11-16 else."""
        return f"{kind}-{first_day}" if self.default else f"{kind}-{self.name}-{first_day}"


def known(settings: Settings) -> list[str]:
    """The profiles a report may belong to: the monitored ones (default first), the superior."""
    return [*settings.profile_names, *([settings.superior] if settings.superior else [])]


def _load(settings: Settings, name: str) -> JurisdictionProfile:
    base = settings.source.parent if settings.source else None
    return load_profile(name, base)


def report_scope(settings: Settings, name: str | None = None) -> ReportScope:
    """The scope of profile `name` (None or "": the default); ReportError when unknown."""
    name = name or settings.profile
    names = known(settings)
    if name not in names:
        raise ReportError("-", "draft", f"未知辖区档案「{name}」（已配置: {'、'.join(names)}）")
    directory = _load(settings, name)
    default = name == settings.profile
    if name == settings.superior:
        counties = {p: _load(settings, p).jurisdiction for p in settings.profile_names}
        counties[name] = f"{directory.jurisdiction}（跨县事件）"  # its own, seed 000
        return ReportScope(name, directory, None, counties, default)
    alone = len(names) == 1  # one profile, no superior: every item is its own
    return ReportScope(name, directory, None if alone else name, None, default)


def default_scopes(settings: Settings, names: Sequence[str] = ()) -> list[ReportScope]:
    """The scopes of `names`; none given: every monitored profile, then the superior's
    roll-up — what a city office expects of `yuqing report weekly`."""
    return [report_scope(settings, n) for n in (names or known(settings))]
