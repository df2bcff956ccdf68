"""Throttling: a storm about one case (or one failing source) is one message plus updates.

The first message of a thread to a recipient goes at once; what follows within
`coalesce_window_s` is held until the window ends, and then everything held for that
thread and recipient goes as ONE update message. The update is a delivery job of its own
whose id is derived from its members, written before the members point to it: a crash in
between regroups the same members into the same id, so nothing is sent under two ids.
Threads are per profile too: role and department codes repeat in every county, so one
county's messages never join (or wait for) another county's update.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from datetime import datetime, timedelta

from alerts.delivery.compose import MessageComposer
from alerts.delivery.jobs import DeliveryJob, JobStore, Leg
from alerts.delivery.routes import recipient_key
from alerts.localtime import iso_local
from pipeline.models import parse_time
from pipeline.storage.base import StateStore

THREADS = "delivery.threads"


class Coalescer:
    def __init__(
        self,
        state: StateStore,
        jobs: JobStore,
        composer: MessageComposer,
        window_s: float,
        never_hold: list[str] | None = None,
    ):
        self.never_hold = set(never_hold or ())
        self.state = state
        self.jobs = jobs
        self.composer = composer
        self.window = timedelta(seconds=window_s)

    def _key(self, job: DeliveryJob, leg: Leg) -> str:
        scope = f"{job.profile}\x00" if job.profile else ""  # "" keeps the one-county keys
        return f"{scope}{job.thread}\x00{recipient_key(leg.recipient)}"

    def hold_until(self, job: DeliveryJob, leg: Leg, now: datetime) -> datetime | None:
        """When a fresh leg must wait for its thread's window, the end of that window."""
        if not self.window or not job.thread or job.source in ("update", "digest"):
            return None
        if job.notice_kind in self.never_hold:
            return None
        record = self.state.get(THREADS, self._key(job, leg))
        if not record:
            return None
        until = parse_time(record["last_sent_at"]) + self.window
        return until if until > now else None

    def sent(self, job: DeliveryJob, leg: Leg, now: datetime) -> None:
        if self.window and job.thread:
            # The store expires on the wall clock; keep it well past the window.
            expires = time.time() + max(2 * self.window.total_seconds(), 86_400)
            self.state.put(THREADS, self._key(job, leg), {"last_sent_at": iso_local(now)}, expires)

    def plan(self, jobs: list[DeliveryJob], now: datetime) -> list[DeliveryJob]:
        """Group the held legs whose window is over; returns the jobs to work on now
        (changed members saved, new update jobs added)."""
        by_id = {job.message_id: job for job in jobs}
        # An update job written before a crash adopts its members first.
        for update in [j for j in jobs if j.source == "update"]:
            self._adopt(update, by_id, now)
        groups: dict[str, list[tuple[DeliveryJob, Leg]]] = defaultdict(list)
        for job in jobs:
            for leg in job.legs:
                if leg.state == "held" and parse_time(leg.next_at) <= now:
                    groups[self._key(job, leg)].append((job, leg))
        for members in groups.values():
            if len(members) == 1:
                job, leg = members[0]
                leg.state = "pending"  # alone after all: it goes under its own id
                continue
            update = self._update_job(members, now)
            stored = self.jobs.add(update)
            by_id.setdefault(stored.message_id, stored)
            self._adopt(stored, by_id, now)
        return sorted(by_id.values(), key=lambda j: (j.created_at, j.message_id))

    def _update_job(self, members: list[tuple[DeliveryJob, Leg]], now: datetime) -> DeliveryJob:
        members = sorted(members, key=lambda m: (m[0].created_at, m[0].message_id))
        refs = [[job.message_id, leg.key] for job, leg in members]
        digest = hashlib.sha256(repr(sorted(map(tuple, refs))).encode()).hexdigest()[:24]
        message_id = f"upd-{digest}"
        first_job, first_leg = members[0]
        message = self.composer.update(
            message_id, [job.message for job, _ in members], iso_local(now)
        )
        leg = Leg(
            key=first_leg.key,
            recipient=dict(first_leg.recipient),
            chain=list(first_leg.chain),
            next_at=iso_local(now),
        )
        return DeliveryJob(
            message_id=message_id,
            source="update",
            thread=first_job.thread,
            message=message,
            legs=[leg],
            created_at=iso_local(now),
            case_id=first_job.case_id,
            profile=first_job.profile,
            members=refs,
        )

    def _adopt(self, update: DeliveryJob, by_id: dict[str, DeliveryJob], now: datetime) -> None:
        for message_id, leg_key in update.members:
            member = by_id.get(message_id) or self.jobs.get(message_id)
            if member is None or member.state != "pending":
                continue
            leg = member.leg(leg_key)
            if leg is None or leg.state not in ("held", "pending"):
                continue
            leg.state = "batched"
            leg.batch = update.message_id
            leg.note(f"{iso_local(now)} 合并到更新 {update.message_id}")
            self.jobs.save(member)
            by_id[message_id] = member
