"""The issue's "done when": a breached clock in the demo produces one escalation email at the
local SMTP server and one robot message at the local receiver, each with the stable id.

Runs the real demo (`python -m pipeline.cli demo --data DIR --json`), breaches the earliest
clock of one demo case through the alerts API with a 'now' just past its due time, then runs
`python -m pipeline.cli stage notify --once` with email + WeCom robot configured."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from alerts.escalation import save_with_retry
from alerts.notices import Outbox
from alerts.resolver import AlertOptions, PolicyResolver
from pipeline.config import load_settings
from pipeline.models import Case, parse_time
from pipeline.storage.base import CaseQuery
from pipeline.storage.sqlite import open_sqlite_stores
from tests.alerts.channels.receivers import RobotReceiver, SmtpSink
from tests.alerts.delivery.conftest import mail_channel, write_notify_config


def cli(*args: str, timeout: float) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
    argv = [sys.executable, "-m", "pipeline.cli", *args]
    done = subprocess.run(argv, env=env, capture_output=True, timeout=timeout)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    return done


def test_demo_breach_gives_one_email_and_one_robot_message(
    tmp_path: Path, smtp_sink: SmtpSink, receiver: RobotReceiver
) -> None:
    data = tmp_path / "demo"
    cli("demo", "--data", str(data), "--json", timeout=300)
    notify = {
        "tick_interval_s": 0.2,
        "digest": {"enabled": False},
        "base_url": "http://127.0.0.1:8600",
        "channels": {
            "mail": mail_channel(smtp_sink),
            "robot": {"type": "wecom", "webhook": receiver.url("/wecom")},
        },
        "recipients": {"default": {"channels": ["mail"], "also": ["robot"]}},
    }
    config = write_notify_config(tmp_path, notify, data=data)
    settings = load_settings(config)

    stores = open_sqlite_stores(settings.store_path)
    try:
        cases = stores.cases.list(CaseQuery(open_only=True, limit=10_000))
        running = [
            (parse_time(k.due_at), c) for c in cases for k in c.clocks if k.state == "running"
        ]
        due, case = min(running, key=lambda pair: pair[0])
        now = due + timedelta(minutes=1)
        resolver = PolicyResolver(settings, AlertOptions())
        outbox = Outbox(stores.state)

        def breach(fresh: Case) -> Case:
            updated = resolver.maintain(fresh, now)
            outbox.put_case(updated)  # as the alert stage does: the outbox before the case
            return updated

        save_with_retry(stores.cases, case.case_id, breach)
        escalations = [n for n in outbox.pending() if n.kind == "escalation"]
    finally:
        stores.close()
    assert len(escalations) == 1, escalations
    (notice,) = escalations
    assert notice.case_id == case.case_id and notice.marker == "rung-1"

    cli("stage", "notify", "--once", "--config", str(config), timeout=120)
    mails = [m for m in smtp_sink.messages if m["Subject"].startswith("【舆情升级】")]
    assert len(mails) == 1
    (mail,) = mails
    assert mail["Message-ID"] == f"<{notice.message_id}@dingan.example>"
    lead = case.lead_department
    assert lead is not None and lead.name in mail.get_body(("plain",)).get_content()
    robots = [r for r in receiver.on("/wecom") if notice.message_id in r.body.decode()]
    assert len(robots) == 1
    content = robots[0].json["markdown"]["content"]
    assert "超期升级" in content and f"/cases/{case.case_id}" in content

    cli("stage", "notify", "--once", "--config", str(config), timeout=120)  # nothing twice
    assert len([m for m in smtp_sink.messages if m["Subject"].startswith("【舆情升级】")]) == 1
    stores = open_sqlite_stores(settings.store_path)
    try:
        assert stores.state.get("outbox", notice.message_id)["state"] == "sent"
    finally:
        stores.close()
