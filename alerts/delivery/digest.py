"""每日汇总: once a local day, after `digest.at`, each department with open cases (as lead or
co department) gets one message listing those cases and their clocks.

Idempotent: the digest id is derived from the department and the day, and the day is marked
done only after every department's digest job is written, so a crash mid-way repeats
nothing that was already queued.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import datetime

from alerts.delivery.compose import MessageComposer
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
    ):
        self.options = options
        self.timezone = timezone
        self.cases = cases
        self.state = state
        self.composer = composer
        self.router = router

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

    def by_department(self) -> dict[str, list[Case]]:
        found: dict[str, list[Case]] = defaultdict(list)
        query = CaseQuery(statuses=OPEN_STATUSES, open_only=True, limit=1_000_000)
        for case in self.cases.list(query):
            if case.status not in OPEN_STATUSES:
                continue
            departments = [case.lead_department, *case.co_departments]
            for code in dict.fromkeys(d.code for d in departments if d is not None):
                found[code].append(case)
        return found

    def plan(self, delivery: OutboxDelivery, now: datetime) -> int:
        """Queue today's digests when due; returns how many were queued."""
        day = self.due_day(now)
        if day is None:
            return 0
        queued = 0
        for code, cases in sorted(self.by_department().items()):
            name = self._name(code, cases)
            recipient = {"role": "lead_department", "code": code, "name": name}
            message_id = digest_id(code, day)
            job = DeliveryJob(
                message_id=message_id,
                source="digest",
                message=self.composer.digest(name, cases, day, message_id, iso_local(now)),
                legs=self.router.legs([recipient], now),
                created_at=iso_local(now),
            )
            queued += delivery.enqueue(job)
        self.state.put(DIGESTS, day, {"at": iso_local(now), "queued": queued}, None)
        return queued

    def _name(self, code: str, cases: list[Case]) -> str:
        for case in cases:
            for d in [case.lead_department, *case.co_departments]:
                if d is not None and d.code == code:
                    return d.name
        return self.router.department_name(code)
