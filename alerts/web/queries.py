"""Read-side queries shared by the API and the pages: the cases a user may see, the feed with
its filters, and the findings — the one place visibility rules meet the stores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from alerts.status import OPEN_STATUSES
from alerts.web.access import can_see, case_query_for
from alerts.web.context import WebContext
from alerts.web.users import User
from pipeline.models import Case, Finding, ScoredItem, parse_time
from pipeline.storage.base import ItemQuery

FEED_LIMIT = 50
MAX_FEED_LIMIT = 200


@dataclass
class FeedFilters:
    """The feed's filters as the page and /api/items take them."""

    category: str = ""
    town: str = ""
    department: str = ""
    source: str = ""
    min_risk: int | None = None
    q: str = ""
    relevant: str = ""  # "" all, "1" relevant only, "0" irrelevant only
    limit: int = FEED_LIMIT
    offset: int = 0
    profile: str = ""  # an admin's choice of county ("" every one); others see their own

    def query(self, user: User) -> ItemQuery:
        department = self.department or None
        if user.role == "officer":  # a department sees what is routed to it
            department = user.department or "\x00none"
        return ItemQuery(
            text=self.q.strip()[:100],
            categories=[self.category] if self.category else (),
            town=self.town or None,
            department=department,
            source_type=self.source or None,
            min_risk=self.min_risk,
            relevant={"1": True, "0": False}.get(self.relevant),
            # department codes repeat across counties: a county's users see only its items
            profile=user.profile if user.role != "admin" else (self.profile or None),
            limit=max(1, min(self.limit, MAX_FEED_LIMIT)),
            offset=max(0, self.offset),
        )


def visible_cases(web: WebContext, user: User, open_only: bool = False) -> list[Case]:
    query = case_query_for(user, statuses=OPEN_STATUSES if open_only else ())
    return [c for c in web.stores.cases.list(query) if can_see(user, c)]


def visible_case(web: WebContext, user: User, case_id: str) -> Case | None:
    """The case, or None when it does not exist or the user may not see it (same answer)."""
    case = web.stores.cases.get(case_id)
    return case if case is not None and can_see(user, case) else None


def by_due_time(cases: list[Case], now: datetime) -> list[Case]:
    """Soonest running deadline first; cases without a running clock last, newest first."""

    def key(case: Case) -> tuple[int, float]:
        running = [parse_time(c.due_at) for c in case.clocks if c.state == "running"]
        if running:
            return (0, min(running).timestamp())
        return (1, -parse_time(case.opened_at).timestamp())

    return sorted(cases, key=key)


def feed(web: WebContext, user: User, filters: FeedFilters) -> list[ScoredItem]:
    return web.stores.items.search(filters.query(user))


def finding_visible(user: User | None, finding: Finding) -> bool:
    """A finding about one county's notice (`profile`: it names the case) is shown to that
    county's users and admins only; system-wide ones (a source, a channel) to every reader."""
    if user is None or user.role == "admin" or user.profile is None or not finding.profile:
        return True
    return finding.profile == user.profile


def findings(
    web: WebContext, kind: str | None = None, limit: int = 200, user: User | None = None
) -> list[Finding]:
    found = web.stores.findings.list(kind=kind, limit=limit if user is None else 4 * limit)
    shown = [f for f in found if finding_visible(user, f)][:limit]
    return sorted(shown, key=lambda f: parse_time(f.found_at), reverse=True)


def merge_targets(web: WebContext, user: User, case: Case) -> list[Case]:
    """Open cases `case` may be merged into: the same town or a shared category first."""
    others = [
        c
        for c in visible_cases(web, user, open_only=True)
        if c.case_id != case.case_id and c.status not in ("closed", "dismissed")
    ]

    def likeness(other: Case) -> tuple[int, float]:
        shared = len(set(other.categories) & set(case.categories))
        same_place = other.jurisdiction.code == case.jurisdiction.code
        return (-(shared + 2 * same_place), -parse_time(other.opened_at).timestamp())

    return sorted(others, key=likeness)
