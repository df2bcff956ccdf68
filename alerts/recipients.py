"""Who a notice goes to: the roles of the escalation ladder resolved on one case.

A role becomes `{"role", "code", "name"}`: departments by their profile code (the channels
look contacts up by code), leaders by role (the jurisdiction profile lists no leaders yet).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from alerts.policy_options import ROLE_LABELS
from pipeline.config import ConfigError
from pipeline.models import Case
from pipeline.profile import JurisdictionProfile, load_profile


def directory_for(profile_name: str) -> JurisdictionProfile | None:
    """The jurisdiction profile of a case, or None when it cannot be loaded."""
    try:
        return load_profile(profile_name)
    except (ConfigError, OSError):
        return None


def _department(directory: JurisdictionProfile | None, code: str, role: str) -> dict[str, str]:
    name = ROLE_LABELS[role]
    if directory is not None:
        with contextlib.suppress(KeyError):
            name = directory.department(code).name
    return {"role": role, "code": code, "name": name}


def resolve(
    roles: Iterable[str], case: Case, directory: JurisdictionProfile | None
) -> list[dict[str, str]]:
    """The recipients of `roles` for `case`, without duplicates, in ladder order."""
    found: list[dict[str, str]] = []
    for role in roles:
        if role == "lead_department" and case.lead_department is not None:
            found.append(
                {"role": role, "code": case.lead_department.code, "name": case.lead_department.name}
            )
        elif role == "co_departments":
            found += [{"role": role, "code": d.code, "name": d.name} for d in case.co_departments]
        elif role == "news_office" and directory is not None:
            found.append(_department(directory, directory.news_office, role))
        elif role == "government_office" and directory is not None:
            found.append(_department(directory, directory.government_office, role))
        elif role in ("leader_in_charge", "principal_leader"):
            lead = case.lead_department.code if case.lead_department else ""
            code = lead if role == "leader_in_charge" else ""
            found.append({"role": role, "code": code, "name": ROLE_LABELS[role]})
        elif role in ("news_office", "government_office"):
            found.append({"role": role, "code": "", "name": ROLE_LABELS[role]})
    unique: list[dict[str, str]] = []
    for r in found:
        if r not in unique:
            unique.append(r)
    return unique


def names(recipients: list[dict[str, str]]) -> str:
    return "、".join(r["name"] for r in recipients) or "—"
