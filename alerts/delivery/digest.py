"""每日汇总: once a local day, after `digest.at`, each department with open cases (as lead or
co department) gets one message listing those cases and their clocks. With several counties
a department's digest lists its own county's cases only, through that county's routes
(counties.py): department codes are the same in every county.

Idempotent: the digest id is derived from the department and the day, and the day is marked
done only after every department's digest job is written, so a crash mid-way repeats
nothing that was already queued.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import datetime

from alerts.delivery.compose import MessageComposer
from alerts.delivery.counties import CountyRouters
from alerts.delivery.jobs import DeliveryJob
from alerts.delivery.options import DigestOptions
from alerts.delivery.routes import Router
from alerts.delivery.worker import OutboxDelivery
from alerts.localtime import iso_local, to_local
from alerts.status import OPEN_STATUSES
from pipeline.models import Case
from pipeline.storage.base import CaseQuery, CaseStore, StateStore

DIGESTS = "delivery.digest"


def digest_id(department: str, day: str) -> str:
    return "dgs-" + hashlib.sha256(f"{department}\x00{day}".encode()).hexdigest()[:20]


class DailyDigest:
    def __init__(
        self,
        options: DigestOptions,
        timezone: str,
        cases: CaseStore,
        state: StateStore,
        composer: MessageComposer,
        router: Router,
        routers: CountyRouters | None = None,
    ):
        self.options = options
        self.timezone = timezone
        self.cases = cases
        self.state = state
        self.composer = composer
        self.router = router
        self.routers = routers

    def due_day(self, now: datetime) -> str | None:
        """The local day whose digest is due at `now`, or None (too early, or done)."""
        if not self.options.enabled:
            return None
        local = to_local(now, self.timezone)
        hour, minute = self.options.hour_minute
        if (local.hour, local.minute) < (hour, minute):
            return None
        day = local.date().isoformat()
        return None if self.state.get(DIGESTS, day) else day

    def by_department(self) -> dict[tuple[str, str], list[Case]]:
        """Open cases by (routing profile, department code); profile "" the plain routes."""
        found: dict[tuple[str, str], list[Case]] = defaultdict(list)
        query = CaseQuery(statuses=OPEN_STATUSES, open_only=True, limit=1_000_000)
        for case in self.cases.list(query):
            if case.status not in OPEN_STATUSES:
                continue
            profile = self.routers.key(case.profile) if self.routers is not None else ""
            departments = [case.lead_department, *case.co_departments]
            for code in dict.fromkeys(d.code for d in departments if d is not None):
                found[(profile, code)].append(case)
        return found

    def plan(self, delivery: OutboxDelivery, now: datetime) -> int:
        """Queue today's digests when due; returns how many were queued."""
        day = self.due_day(now)
        if day is None:
            return 0
        queued = 0
        for (profile, code), cases in sorted(self.by_department().items()):
            router = self.routers.get(profile) if self.routers is not None else self.router
            name = self._name(code, cases, router)
            recipient = {"role": "lead_department", "code": code, "name": name}
            message_id = digest_id(f"{profile}.{code}" if profile else code, day)
            job = DeliveryJob(
                message_id=message_id,
                source="digest",
                message=self.composer.digest(name, cases, day, message_id, iso_local(now)),
                legs=router.legs([recipient], now),
                created_at=iso_local(now),
                profile=profile,
            )
            queued += delivery.enqueue(job)
        self.state.put(DIGESTS, day, {"at": iso_local(now), "queued": queued}, None)
        return queued

    def _name(self, code: str, cases: list[Case], router: Router) -> str:
        for case in cases:
            for d in [case.lead_department, *case.co_departments]:
                if d is not None and d.code == code:
                    return d.name
        return router.department_name(code)  # the county's own directory
