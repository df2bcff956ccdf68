"""Fixtures of the delivery tests: real SQLite stores, the local receivers, a fake clock, and a
desk that puts cases and notices where the alert stage would and runs the delivery worker."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from alerts.channels import build_channel
from alerts.delivery.options import NotifyOptions
from alerts.delivery.worker import OutboxDelivery
from alerts.notices import Notice, Outbox, message_id
from pipeline.models import Case, Finding
from pipeline.profile import load_profile
from pipeline.storage.base import Stores
from pipeline.storage.sqlite import open_sqlite_stores
from tests.alerts.channels.receivers import (
    HOOK_SECRET,
    RobotReceiver,
    SmtpSink,
    receiver,
    smtp_sink,
)
from tests.alerts.conftest import T0, FakeClock
from tests.factories import make_case

__all__ = ["receiver", "smtp_sink"]

LEAD = {"role": "lead_department", "code": "water", "name": "县水务局"}


def make_notice(case: Case, kind: str = "escalation", marker: str = "rung-1", **over) -> Notice:
    data: dict[str, Any] = {
        "message_id": message_id(case.case_id, "response", marker),
        "kind": kind,
        "case_id": case.case_id,
        "case_title": case.title,
        "profile": case.profile,
        "clock": "response",
        "marker": marker,
        "recipients": [LEAD],
        "text": f"alert 升级: 回应已超期，{marker} → 县水务局",
        "created_at": T0.isoformat(),
    }
    data.update(over)
    return Notice.model_validate(data)


def hook_channel(receiver: RobotReceiver) -> dict[str, Any]:
    return {"type": "webhook", "url": receiver.url("/hook"), "secret": HOOK_SECRET}


def mail_channel(smtp: SmtpSink) -> dict[str, Any]:
    return {"type": "email", "port": smtp.port, "sender": "yuqing@dingan.example"}


class Desk:
    """Stores + outbox + the worker, as the notify stage has them."""

    def __init__(self, tmp_path: Path, clock: FakeClock):
        self.stores: Stores = open_sqlite_stores(tmp_path / "store.sqlite")
        self.clock = clock
        self.outbox = Outbox(self.stores.state)
        self.findings: list[Finding] = []

    def add_case(self, n: int = 0, **over: Any) -> Case:
        case = make_case(n, **over)
        self.stores.cases.create(case)
        return case

    def notify(self, *notices: Notice) -> None:
        self.outbox.put(notices)

    def worker(self, **options: Any) -> OutboxDelivery:
        opts = NotifyOptions.model_validate(
            {"digest": {"enabled": False}, "retry": {"first_s": 60}, **options}
        )
        channels = {name: build_channel(name, raw) for name, raw in opts.channels.items()}
        return OutboxDelivery(
            self.stores, opts, channels, load_profile("dingan"), self.findings.append
        )

    def drain(self, worker: OutboxDelivery, **advance: float) -> None:
        if advance:
            self.clock.advance(**advance)
        worker.drain(self.clock())

    def outbox_state(self, mid: str) -> str:
        return self.stores.state.get("outbox", mid)["state"]


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    d = Desk(tmp_path, FakeClock())
    try:
        yield d
    finally:
        d.stores.close()


def write_notify_config(tmp_path: Path, notify: dict[str, Any], data: Path | None = None) -> Path:
    """A config with the alert and notify stages, embedded backends under tmp_path."""
    config = {
        "data_dir": str(data or tmp_path / "data"),
        "profile": "dingan",
        "stages": {
            "alert": {"class": "alerts.stage:AlertStage"},
            "notify": {"class": "alerts.delivery.stage:NotifyStage", **notify},
        },
    }
    path = tmp_path / "yuqing.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def later(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)
