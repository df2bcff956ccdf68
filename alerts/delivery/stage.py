"""The notify stage: delivers the outbox's notices, the findings and the daily digests.

It consumes the findings topic (each finding becomes a delivery job) and its tick drains the
outbox (worker.py). `yuqing stage notify` runs it alone; `yuqing run` supervises it like any
stage. Channel failures it sees are findings too (`channel_down`), emitted to the topic.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel

from alerts.channels import Channel, build_channel
from alerts.delivery.digest import DailyDigest
from alerts.delivery.findings import FindingIntake
from alerts.delivery.options import NotifyOptions
from alerts.delivery.worker import OutboxDelivery
from pipeline.config import ConfigError
from pipeline.models import Finding
from pipeline.profile import JurisdictionProfile
from pipeline.stage import Envelope, Stage, StageContext
from pipeline.topics import FINDINGS

__all__ = ["NotifyOptions", "NotifyStage"]


class NotifyStage(Stage):
    name: ClassVar[str] = "notify"
    consumes = (FINDINGS,)
    produces = (FINDINGS,)
    Options: ClassVar[type[BaseModel]] = NotifyOptions
    tick_interval_s: ClassVar[float] = 15.0

    options: NotifyOptions

    def __init__(self, ctx: StageContext, options: BaseModel | None = None):
        super().__init__(ctx, options)
        self.tick_interval_s = self.options.tick_interval_s  # type: ignore[misc]
        where = f"{ctx.settings.source}: stages.notify.channels"
        self.channels: dict[str, Channel] = {
            name: build_channel(name, raw, where) for name, raw in self.options.channels.items()
        }
        self._delivery: OutboxDelivery | None = None
        self._intake: FindingIntake | None = None
        self._digest: DailyDigest | None = None

    def directory(self) -> JurisdictionProfile | None:
        try:
            return self.ctx.profile
        except (ConfigError, OSError) as exc:
            self.log.warning("no jurisdiction profile (%s): addresses from config only", exc)
            return None

    @property
    def delivery(self) -> OutboxDelivery:
        if self._delivery is None:
            directory = self.directory()
            stores = self.ctx.stores
            self._delivery = OutboxDelivery(
                stores,
                self.options,
                self.channels,
                directory,
                self.raise_finding,
                self.ctx.settings,
            )
            self._intake = FindingIntake(
                self.options.findings,
                self._delivery.composer,
                self._delivery.router,
                directory,
                self._delivery.routers,
            )
            self._digest = DailyDigest(
                self.options.digest,
                self.options.timezone,
                stores.cases,
                stores.state,
                self._delivery.composer,
                self._delivery.router,
                self._delivery.routers,
            )
        return self._delivery

    def raise_finding(self, finding: Finding) -> None:
        """A delivery problem for people: to the findings topic (dashboard, and back here)."""
        self.log.warning("finding %s: %s", finding.kind, finding.detail)
        self.ctx.emit(FINDINGS, finding, key=finding.finding_id)
        self.ctx.flush()

    def process(self, batch: Sequence[Envelope]) -> None:
        now = self.ctx.clock()
        delivery = self.delivery
        assert self._intake is not None
        queued = 0
        for env in batch:
            if isinstance(env.record, Finding):
                job = self._intake.job(env.record, now)
                if job is not None:
                    queued += delivery.enqueue(job)
        if queued:
            delivery.drain(now, self.ctx.stop)  # findings are urgent: do not wait for the tick

    def tick(self, now: datetime) -> None:
        delivery = self.delivery
        assert self._digest is not None
        digests = self._digest.plan(delivery, now)
        result = delivery.drain(now, self.ctx.stop)
        if digests or result.imported or result.finished:
            self.log.info(
                "notify: %d notices taken in, %d digests queued, %d attempts, %d finished",
                result.imported,
                digests,
                result.attempted,
                result.finished,
            )
