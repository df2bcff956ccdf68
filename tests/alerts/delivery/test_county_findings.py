"""Findings about one county's notices stay in that county (issue #11, multi-county): when a
屯昌 notice cannot be delivered, the finding that names its case goes to 屯昌's own news
office (`tunchang.news_office`), or is refused without one — never to 定安's people; a
system-wide finding (a channel down) still goes to the deployment's operators and names no
case. Through the real notify stage to a real SMTP server and a real signed webhook receiver.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from alerts.delivery.jobs import DeliveryJob, JobStore
from alerts.localtime import iso_local
from pipeline.config import load_settings
from pipeline.storage.sqlite import open_sqlite_stores
from tests.alerts.channels.receivers import HOOK_SECRET, RobotReceiver, SmtpSink
from tests.alerts.delivery.conftest import Desk, hook_channel
from tests.alerts.delivery.test_counties import (
    TC,
    deployment,
    mail_to,
    report_up,
    run_notify,
    seed,
    status,
)
from tests.factories import make_finding


def broken_leader(config: Path, receiver: RobotReceiver, drop: tuple[str, ...] = ()) -> None:
    """屯昌's leader in charge is reached through a robot that answers 404 (a permanent
    failure: the notice to that leader is undeliverable); `drop` removes 屯昌 routes."""
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    notify = raw["stages"]["notify"]
    broken = {"type": "webhook", "url": receiver.url("/broken"), "secret": HOOK_SECRET}
    notify["channels"]["hook_broken"] = broken
    notify["recipients"]["tunchang.leader_in_charge"] = {"channels": ["hook_broken"]}
    for key in drop:
        del notify["recipients"][key]
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")


def hook_bodies(receiver: RobotReceiver, county: str) -> list[dict[str, Any]]:
    return [r.json for r in receiver.on("/hook") if r.query["to"] == county]


def naming(bodies: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    return [b for b in bodies if text in b["text"] or text in b["title"]]


def test_an_undeliverable_countys_notice_is_reported_to_that_county_only(
    tmp_path: Path, smtp_sink: SmtpSink, receiver: RobotReceiver
) -> None:
    config = deployment(tmp_path, smtp_sink, receiver, "tunchang")
    broken_leader(config, receiver)
    tunchang, dingan = report_up(21, "tunchang", **TC), report_up(1, "dingan")
    seed(config, tunchang, dingan)
    run_notify(config)

    assert receiver.on("/broken"), "the broken robot was tried"
    tc_hooks = hook_bodies(receiver, "tunchang")
    findings = [b for b in tc_hooks if b["kind"] == "finding"]
    assert len(findings) == 1 and "通知无法送达" in findings[0]["title"]
    assert tunchang.title in findings[0]["text"]  # 屯昌's office learns which case
    # 定安's office and leaders hear nothing of 屯昌's case …
    assert naming(hook_bodies(receiver, "dingan"), tunchang.title) == []
    assert not any(a.endswith("@dingan.example") for a in mail_to(smtp_sink, tunchang.title))
    # … but its operators still learn that a channel is down, without any case in it.
    (down,) = [b for b in hook_bodies(receiver, "dingan") if b["kind"] == "finding"]
    assert "通知通道故障" in down["title"] and "hook_broken" in down["text"]
    assert naming(hook_bodies(receiver, "tunchang"), "通知通道故障") == []

    stores = open_sqlite_stores(load_settings(config).store_path)
    try:
        jobs = [j for j in JobStore(stores.state).all() if j.message_id.startswith("fnd-und-")]
    finally:
        stores.close()
    assert [(j.profile, j.state) for j in jobs] == [("tunchang", "sent")]


def test_a_county_without_a_news_office_route_gets_its_finding_refused(
    tmp_path: Path, smtp_sink: SmtpSink, receiver: RobotReceiver
) -> None:
    config = deployment(tmp_path, smtp_sink, receiver, "tunchang")
    broken_leader(config, receiver, drop=("tunchang.news_office",))
    tunchang = report_up(21, "tunchang", **TC)
    seed(config, tunchang, report_up(1, "dingan"))
    run_notify(config)

    assert receiver.on("/broken")
    assert naming(hook_bodies(receiver, "dingan"), tunchang.title) == []
    assert hook_bodies(receiver, "tunchang") == []
    assert not any(a.endswith("@dingan.example") for a in mail_to(smtp_sink, tunchang.title))
    failed = {j["message_id"]: j for j in status(config)["failed"]}
    (refused,) = [j for mid, j in failed.items() if mid.startswith("fnd-und-")]
    assert refused["profile"] == "tunchang"
    (leg,) = refused["legs"]
    assert leg["refused"] and "tunchang.news_office" in leg["last_error"]
    assert "不改用其他县的通道" in leg["last_error"]


def test_one_countys_messages_never_wait_for_or_join_anothers_update(
    desk: Desk, receiver: RobotReceiver
) -> None:
    """Role and department codes repeat in every county: two counties' messages of one thread
    to "the news office" are two threads, never one update through the first one's routes."""
    options = {
        "channels": {"hook": hook_channel(receiver)},
        "recipients": {"default": {"channels": ["hook"]}},
    }
    worker = desk.worker(**options)
    office = [{"role": "news_office", "code": "publicity", "name": "县委宣传部"}]

    def job(n: int, profile: str) -> DeliveryJob:
        mid = f"fnd-{n}"
        finding = make_finding(n, kind="site_tampering", source="县政府网", detail=f"篡改 {n}")
        return DeliveryJob(
            message_id=mid,
            source="finding",
            thread="finding:site_tampering:县政府网",
            message=worker.composer.finding(finding, mid),
            legs=worker.router.legs(office, desk.clock()),
            created_at=iso_local(desk.clock()),
            profile=profile,
        )

    worker.enqueue(job(1, ""))
    desk.drain(worker)  # 定安's first: at once, opening its window
    for n, profile in ((2, "tunchang"), (3, ""), (4, "")):
        worker.enqueue(job(n, profile))
    desk.drain(worker, seconds=10)
    sent = [r.headers["idempotency-key"] for r in receiver.on("/hook")]
    assert sent == ["fnd-1", "fnd-2"]  # 屯昌's waits for no 定安 window
    desk.drain(worker, seconds=600)  # 定安's window over: its two held go as one update
    (update,) = [r.json for r in receiver.on("/hook") if r.json["kind"] == "update"]
    assert "篡改 3" in update["text"] and "篡改 4" in update["text"]
    assert "篡改 2" not in update["text"]
    stored = JobStore(desk.stores.state).get(update["message_id"])
    assert stored is not None and stored.profile == ""
    assert sorted(m for m, _ in stored.members) == ["fnd-3", "fnd-4"]
