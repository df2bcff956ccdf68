"""Who may see which case and take which workflow step (contracts.md "Web API" and roles).

An officer sees only the cases where their department is lead or co; monitor, leader and
admin see all — in a multi-county deployment, all of their own profile's (admins: every one). Steps follow the office's division of work: the news office judges (研判),
reports up, hands rumours over and closes; the lead department signs for the case, verifies
and drafts answers; co-departments co-sign; a leader approves publication (领导审发).
"""

from __future__ import annotations

from alerts.merging import merged_into
from alerts.special_steps import is_major
from alerts.steps import happened
from alerts.web.meeting import convened
from alerts.web.users import User
from pipeline.models import Case, Response
from pipeline.storage.base import CaseQuery

OFFICE_STEPS = frozenset(
    {"confirm", "dismiss", "report", "handover", "close", "convene", "meeting", "merge"}
)
LEAD_STEPS = frozenset({"ack", "verify"})
ALL_STEPS = OFFICE_STEPS | LEAD_STEPS | {"assign", "respond", "review"}
OPENERS = frozenset({"admin", "monitor"})  # who opens a case by hand (上级要求回应, 转办)
REASSIGNABLE = ("confirmed", "acknowledged", "verifying")


def case_departments(case: Case) -> list[str]:
    lead = [case.lead_department.code] if case.lead_department else []
    return lead + [d.code for d in case.co_departments]


def can_see(user: User, case: Case) -> bool:
    """Admins see every case; others only their profile's (when the account has one — in a
    multi-county deployment every account does, see users.scoped), an officer only where
    their department is lead or co."""
    if user.role == "admin":
        return True
    if user.profile is not None and case.profile != user.profile:
        return False
    if user.role != "officer":
        return True
    return user.department is not None and user.department in case_departments(case)


def case_query_for(user: User, **filters: object) -> CaseQuery:
    """The store query for the cases `user` may see (the store filters lead or co)."""
    query = CaseQuery(limit=100_000, **filters)  # type: ignore[arg-type]
    if user.role != "admin" and user.profile is not None:
        query.profile = user.profile
    if user.role == "officer":
        query.department = user.department or "\x00none"
    return query


def is_lead_officer(user: User, case: Case) -> bool:
    lead = case.lead_department
    return user.role == "officer" and lead is not None and user.department == lead.code


def is_co_officer(user: User, case: Case) -> bool:
    return user.role == "officer" and user.department in {d.code for d in case.co_departments}


def may_take(user: User, step: str, case: Case) -> bool:
    """Whether `user`'s role allows `step` on `case` at all (the workflow checks the rest)."""
    if step not in ALL_STEPS or not can_see(user, case):
        return False
    if user.role == "admin":
        return True
    if step in OFFICE_STEPS:
        return user.role == "monitor"
    if step == "assign":  # the news office, or a lead department that is not the right one
        return user.role == "monitor" or is_lead_officer(user, case)
    if step in LEAD_STEPS:
        return is_lead_officer(user, case)
    if step == "respond":
        return is_lead_officer(user, case) or is_co_officer(user, case)
    return bool(review_levels(user, case))  # review: some level is theirs


def review_levels(user: User, case: Case, response: Response | None = None) -> list[str]:
    """The review levels `user` may record (on `response`, when given)."""
    if response is not None and response.review.state in ("approved", "rejected"):
        return []
    if user.role == "admin":
        return ["first", "second", "cosign", "final"]
    levels: list[str] = []
    if is_lead_officer(user, case):
        levels += ["first", "second"]
    if is_co_officer(user, case):
        levels.append("cosign")
    if user.role == "leader":
        levels.append("final")
    return levels


def may_open(user: User) -> bool:
    return user.role in OPENERS


def offered_steps(user: User, case: Case) -> set[str]:
    """The steps the case page offers `user` now: allowed by role and plausible in the case's
    status (the workflow still has the last word and explains a refusal)."""
    status, assigned = case.status, happened(case, "assigned")
    handed = status in ("acknowledged", "verifying", "responded")
    offered: set[str] = set()
    if status == "new" or (case.confirmed_at is None and handed and assigned):
        offered.add("confirm")
    if status == "confirmed" or (status == "new" and assigned):
        offered.add("ack")
    if handed:
        offered.add("respond")
        if not happened(case, "problem_confirmed"):
            offered.add("verify")
    if status != "dismissed":
        offered.add("report")
    if "rumor" in case.categories and case.police_handover is None and status != "dismissed":
        offered.add("handover")
    if status == "responded":
        offered.add("close")
    if status in ("new", "confirmed", "acknowledged", "verifying"):
        offered.add("dismiss")
    if status in REASSIGNABLE:
        offered.add("assign")
    live = status not in ("closed", "dismissed")
    if live and is_major(case):
        offered.add("meeting")
        if not convened(case) and not happened(case, "joint_meeting"):
            offered.add("convene")
    if live and merged_into(case) is None:
        offered.add("merge")
    return {step for step in offered if may_take(user, step, case)}
