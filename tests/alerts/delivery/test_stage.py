"""The notify stage as the CLI runs it: built from config, findings from the topic, and a
real `python -m pipeline.cli stage notify` process killed with SIGKILL between a channel's
accept and the mark — after a restart the receiver has seen one message id, never two."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from alerts.delivery.jobs import JobStore
from pipeline.cli import build_stage
from pipeline.config import ConfigError, load_settings
from pipeline.runner import run_once
from pipeline.stage import StageContext
from pipeline.storage.sqlite import open_sqlite_stores
from pipeline.topics import FINDINGS
from tests.alerts.channels.receivers import RobotReceiver, SmtpSink
from tests.alerts.delivery.conftest import (
    hook_channel,
    mail_channel,
    make_notice,
    write_notify_config,
)
from tests.factories import make_case, make_finding

FAST = {"tick_interval_s": 0.2, "digest": {"enabled": False}, "retry": {"first_s": 0.2}}


def cli_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}


def test_bad_notify_config_names_the_key(tmp_path: Path) -> None:
    bad_route = {"channels": {}, "recipients": {"default": {"channels": ["robot"]}}}
    settings = load_settings(write_notify_config(tmp_path, bad_route))
    with pytest.raises(ConfigError, match="stages.notify.*unknown channel 'robot'"):
        build_stage(settings, "notify")
    bad_channel = {"channels": {"mail": {"type": "email", "port": "x", "sender": "a@b"}}}
    settings = load_settings(write_notify_config(tmp_path, bad_channel))
    with pytest.raises(ConfigError, match="channels.mail: port"):
        build_stage(settings, "notify")


def test_findings_from_the_topic_are_delivered(tmp_path: Path, smtp_sink: SmtpSink) -> None:
    notify = {
        **FAST,
        "channels": {"mail": mail_channel(smtp_sink)},
        "recipients": {"default": {"channels": ["mail"]}},
    }
    settings = load_settings(write_notify_config(tmp_path, notify))
    ctx = StageContext(settings)
    finding = make_finding(3, kind="source_down", source="南海网")
    ctx.emit(FINDINGS, finding, key=finding.finding_id)
    ctx.flush()
    ctx.close()
    run_once(build_stage(settings, "notify"))
    (mail,) = smtp_sink.messages
    assert "信息源无法访问" in mail["Subject"] and "南海网" in mail["Subject"]
    assert mail["Message-ID"] == f"<fnd-{finding.finding_id}@dingan.example>"


def test_sigkill_between_send_and_mark_resends_the_same_id(
    tmp_path: Path, receiver: RobotReceiver
) -> None:
    notify = {
        **FAST,
        "channels": {"hook": hook_channel(receiver)},
        "recipients": {"default": {"channels": ["hook"]}},
    }
    config = write_notify_config(tmp_path, notify)
    settings = load_settings(config)
    settings.data_dir.mkdir(parents=True)
    stores = open_sqlite_stores(settings.store_path)
    case = make_case(7)
    stores.cases.create(case)
    notice = make_notice(case)
    from alerts.notices import Outbox

    Outbox(stores.state).put([notice])
    stores.close()

    release = threading.Event()
    receiver.block["/hook"] = release  # the first request waits until the sender is dead
    argv = [sys.executable, "-m", "pipeline.cli", "stage", "notify", "--config", str(config)]
    proc = subprocess.Popen(argv, env=cli_env(), stderr=subprocess.PIPE, start_new_session=True)
    try:
        assert receiver.arrived.wait(60), proc.stderr.read().decode() if proc.poll() else "no send"
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        release.set()
        if proc.stderr:
            proc.stderr.close()

    stores = open_sqlite_stores(settings.store_path)
    job = JobStore(stores.state).get(notice.message_id)
    assert job is not None and job.legs[0].state == "pending"  # sent, never marked
    assert stores.state.get("outbox", notice.message_id)["state"] == "pending"
    stores.close()

    again = subprocess.run([*argv, "--once"], env=cli_env(), capture_output=True, timeout=120)
    assert again.returncode == 0, again.stderr.decode()[-2000:]
    ids = [r.headers["idempotency-key"] for r in receiver.on("/hook")]
    assert len(ids) >= 2 and set(ids) == {notice.message_id}  # one id, at least once
    stores = open_sqlite_stores(settings.store_path)
    try:
        assert stores.state.get("outbox", notice.message_id)["state"] == "sent"
    finally:
        stores.close()


def test_the_example_config_is_valid(tmp_path: Path) -> None:
    import yaml

    from pipeline.config import PROJECT_ROOT

    example = yaml.safe_load((PROJECT_ROOT / "deploy" / "notify.example.yaml").read_text())
    raw = dict(example["notify"])
    assert raw.pop("class") == "alerts.delivery.stage:NotifyStage"
    stage = build_stage(load_settings(write_notify_config(tmp_path, raw)), "notify")
    assert set(stage.channels) >= {"mail", "office_wecom", "leaders_dingtalk", "sms"}


def test_notify_status_command(tmp_path: Path, receiver: RobotReceiver) -> None:
    import json

    from click.testing import CliRunner

    from alerts.delivery.commands import notify

    config = write_notify_config(tmp_path, {"channels": {"hook": hook_channel(receiver)}})
    result = CliRunner().invoke(notify, ["--status", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output[result.output.index("{") :])["jobs"] == {}
