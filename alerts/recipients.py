"""Who a notice goes to: the roles of the escalation ladder resolved on one case.

A role becomes `{"role", "code", "name"}`: departments by their profile code (the channels
look contacts up by code). Leaders are named from the jurisdiction profile (`leaders`): the
"leader in charge" is the leader in charge of the case's lead department, the "principal
leader" the principal; code = the leader's id (a route can be set per leader, else per role),
plus `person`, `title`, how they are reached and, for the leader in charge, `oversees`. A
leader role the profile names nobody for stays generic, with code "" — never the lead
department's code, which would route a leader's notice to the department. A report-up notice
(001) also names the office contacts of 县政府办 and 县委宣传部.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from alerts.policy_options import ROLE_LABELS
from pipeline.config import ConfigError
from pipeline.models import Case
from pipeline.profile import JurisdictionProfile, Leader, Reach, load_profile

LEADER_ROLES = ("leader_in_charge", "principal_leader")
OFFICE_ROLES = ("news_office", "government_office")


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


def _reach(reach: Reach) -> dict[str, str]:
    return {k: v for k, v in reach.model_dump().items() if v}


def _person(role: str, leader: Leader, overseen: str) -> dict[str, str]:
    person = {"role": role, "code": leader.id, "name": leader.label}
    person |= {"person": leader.name, "title": leader.title, **_reach(leader.reach)}
    return person | ({"oversees": overseen} if overseen else {})


def leader(
    role: str, overseen: str, directory: JurisdictionProfile | None
) -> dict[str, str] | None:
    """The named leader of `role` (the leader in charge of department `overseen`, or the
    principal), or None when the profile names nobody for it."""
    if directory is None:
        return None
    if role == "leader_in_charge":
        found = directory.leader_in_charge(overseen) if overseen else None
        return _person(role, found, overseen) if found else None
    if role == "principal_leader":
        found = directory.principal_leader()
        return _person(role, found, "") if found else None
    return None


def report_contact(
    recipient: dict[str, str], directory: JurisdictionProfile | None
) -> dict[str, str]:
    """An office recipient of a report-up notice with its named contact, if the profile
    names one; anything else unchanged."""
    if directory is None or recipient.get("role") not in OFFICE_ROLES:
        return recipient
    contact = directory.report_contact(recipient.get("code", ""))
    if contact is None:
        return recipient
    person = {**recipient, "name": f"{recipient.get('name', '')}（{contact.name}）"}
    return person | {"person": contact.name, "title": contact.title, **_reach(contact.reach)}


def named(
    case: Case,
    kind: str,
    recipients: list[dict[str, str]],
    directory: JurisdictionProfile | None,
) -> list[dict[str, str]]:
    """`recipients` built by hand, with the people the profile names (as `resolve` names
    them; a leader in charge by its `code`, else the lead department's). A role the profile
    names nobody for stays as given."""
    lead = case.lead_department.code if case.lead_department else ""
    found: list[dict[str, str]] = []
    for r in recipients:
        role = r.get("role", "")
        overseen = (r.get("code") or lead) if role == "leader_in_charge" else ""
        person = leader(role, overseen, directory)
        if person is None and kind == "report_up":
            person = report_contact(r, directory)
        found.append(person or r)
    return found


def resolve(
    roles: Iterable[str],
    case: Case,
    directory: JurisdictionProfile | None,
    report_up: bool = False,
) -> list[dict[str, str]]:
    """The recipients of `roles` for `case`, without duplicates, in ladder order; leaders
    named, and with `report_up` the offices' report contacts too."""
    found: list[dict[str, str]] = []
    for role in roles:
        if role == "lead_department" and case.lead_department is not None:
            found.append(
                {"role": role, "code": case.lead_department.code, "name": case.lead_department.name}
            )
        elif role == "co_departments":
            found += [{"role": role, "code": d.code, "name": d.name} for d in case.co_departments]
        elif role == "news_office" and directory is not None:
            office = _department(directory, directory.news_office, role)
            found.append(report_contact(office, directory) if report_up else office)
        elif role == "government_office" and directory is not None:
            office = _department(directory, directory.government_office, role)
            found.append(report_contact(office, directory) if report_up else office)
        elif role in LEADER_ROLES:
            lead = case.lead_department.code if case.lead_department else ""
            overseen = lead if role == "leader_in_charge" else ""
            generic = {"role": role, "code": "", "name": ROLE_LABELS[role]}
            found.append(leader(role, overseen, directory) or generic)
        elif role in OFFICE_ROLES:
            found.append({"role": role, "code": "", "name": ROLE_LABELS[role]})
    unique: list[dict[str, str]] = []
    for r in found:
        if r not in unique:
            unique.append(r)
    return unique


def names(recipients: list[dict[str, str]]) -> str:
    return "、".join(r["name"] for r in recipients) or "—"
