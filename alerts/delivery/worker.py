"""The delivery worker: outbox → delivery jobs → channels, at least once, under stable ids.

Each pass (`drain`) takes the outbox's pending notices into delivery jobs (composed once),
groups held legs into updates (coalesce.py), attempts every due leg (attempts.py) and writes
the job after each attempt: a leg is marked sent only AFTER its channel accepted, so a crash
in between resends the same message id, which receivers dedupe on. A finished notice is
marked in the outbox; a delivered report-up notice records `report_delivered` on its case.
A notice takes the routes of its case's profile (counties.py: `COUNTY.KEY` in a deployment
of several counties), the job keeps that profile for the addresses of every later attempt.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from alerts.channels import Channel
from alerts.delivery.attempts import LegSender
from alerts.delivery.coalesce import Coalescer
from alerts.delivery.compose import MessageComposer
from alerts.delivery.counties import CountyRouters
from alerts.delivery.health import ChannelHealth, FindingSink
from alerts.delivery.jobs import DeliveryJob, JobStore
from alerts.delivery.options import NotifyOptions
from alerts.delivery.reports import record_report_delivered
from alerts.delivery.routes import Router
from alerts.localtime import iso_local
from alerts.notices import Notice, Outbox
from pipeline.config import Settings
from pipeline.profile import JurisdictionProfile
from pipeline.storage.base import Stores

log = logging.getLogger("yuqing.notify")


@dataclass
class DrainResult:
    imported: int = 0
    attempted: int = 0
    finished: int = 0


class OutboxDelivery:
    def __init__(
        self,
        stores: Stores,
        options: NotifyOptions,
        channels: dict[str, Channel],
        directory: JurisdictionProfile | None,
        raise_finding: FindingSink,
        settings: Settings | None = None,
    ):
        self.stores = stores
        self.options = options
        self.jobs = JobStore(stores.state)
        self.outbox = Outbox(stores.state)
        self.composer = MessageComposer(options.base_url, stores.items, options.evidence_limit)
        self.router = Router(options, channels, directory)  # plain routes: default profile
        self.routers = CountyRouters(options, channels, self.router, settings)
        self.health = ChannelHealth(stores.state, options.retry.channel_down_s, raise_finding)
        self.sender = LegSender(
            channels,
            self.router,
            options.retry,
            self.health,
            raise_finding,
            self.routers.get,
            self.routers.owner,
        )
        self.coalescer = Coalescer(
            stores.state, self.jobs, self.composer, options.coalesce_window_s, options.never_hold
        )

    # -- intake ---------------------------------------------------------------------------
    def job_for_notice(self, notice: Notice, now: datetime) -> DeliveryJob:
        case = self.stores.cases.get(notice.case_id)
        profile = self.routers.key(notice.profile)
        job = DeliveryJob(
            message_id=notice.message_id,
            source="notice",
            thread=notice.case_id,
            message=self.composer.notice(notice, case),
            legs=self.routers.legs(profile, notice.recipients, now),
            created_at=iso_local(now),
            notice_kind=notice.kind,
            case_id=notice.case_id,
            profile=profile,
        )
        if not job.legs:
            job.state = "failed"
            log.warning("notice %s has no recipients: nothing to send", notice.message_id)
        return job

    def import_outbox(self, now: datetime) -> int:
        """Take the outbox's pending notices in; finish the mark of any already done."""
        added = 0
        for notice in self.outbox.pending():
            job = self.jobs.get(notice.message_id)
            if job is None:
                job = self.jobs.add(self.job_for_notice(notice, now))
                added += 1
            if job.state != "pending":
                self._mark_outbox(job, now)
        return added

    def enqueue(self, job: DeliveryJob) -> bool:
        """Add a job (findings, digests); False when its id was already known."""
        if self.jobs.get(job.message_id) is not None:
            return False
        self.jobs.add(job)
        return True

    # -- one pass -------------------------------------------------------------------------
    def drain(self, now: datetime, stop: threading.Event | None = None) -> DrainResult:
        result = DrainResult(imported=self.import_outbox(now))
        jobs = self.coalescer.plan(self.jobs.pending(), now)
        for job in jobs:
            if stop is not None and stop.is_set():
                break
            if job.state != "pending":
                continue
            for leg in job.legs:
                if not leg.due(now):
                    continue
                if leg.state == "pending":
                    until = self.coalescer.hold_until(job, leg, now)
                    if until is not None:
                        leg.state = "held"
                        leg.next_at = iso_local(until)
                        leg.note(f"{iso_local(now)} 同一案件窗口内，合并到 {iso_local(until)}")
                        self.jobs.save(job)
                        continue
                self.sender.attempt(job, leg, now)
                result.attempted += 1
                if leg.state == "sent":
                    self.coalescer.sent(job, leg, now)
                self.jobs.save(job)  # after the channel answered: sent only once accepted
            if job.finished:
                self.finish(job, now)
                result.finished += 1
        return result

    # -- completion -----------------------------------------------------------------------
    def finish(self, job: DeliveryJob, now: datetime) -> None:
        failed = [leg for leg in job.legs if leg.state == "failed"]
        job.state = "failed" if failed else "sent"
        job.done_at = iso_local(now)
        keep = time.time() + self.options.keep_done_days * 86_400
        self.jobs.save(job, expires_at=keep)
        if job.source == "update":
            self._settle_members(job, now)
        if job.source == "notice":
            self._mark_outbox(job, now)
            if job.notice_kind == "report_up" and job.state == "sent":
                record_report_delivered(self.stores.cases, job, now)
        log.info("message %s %s", job.message_id, job.state)

    def _settle_members(self, update: DeliveryJob, now: datetime) -> None:
        (carrier,) = update.legs
        for message_id, leg_key in update.members:
            member = self.jobs.get(message_id)
            leg = member.leg(leg_key) if member is not None else None
            if member is None or leg is None or leg.state != "batched":
                continue
            leg.state = carrier.state
            leg.channel = carrier.channel
            leg.note(f"{iso_local(now)} 随更新 {update.message_id} {carrier.state}")
            self.jobs.save(member)
            if member.finished and member.state == "pending":
                self.finish(member, now)

    def _mark_outbox(self, job: DeliveryJob, now: datetime) -> None:
        self.outbox.mark(job.message_id, job.state)
