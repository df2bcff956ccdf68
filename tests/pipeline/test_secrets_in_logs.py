"""Issue #11: secrets never appear in what the `yuqing` processes print or log, and an item's
personal data stays out of the logs, while each error still says what is wrong and where.

Every test runs the real CLI in a subprocess, with credentials in the backend URLs and the
notify config, against closed ports or a local receiver; each run is bounded in time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from pipeline.bus import bus_from_url
from pipeline.topics import ALL_TOPICS, ITEMS_RAW
from tests.alerts.channels.receivers import RobotReceiver, receiver
from tests.factories import make_case, make_item
from tests.servers import free_port

__all__ = ["receiver"]

ROOT = Path(__file__).resolve().parents[2]
ES_PASSWORD = "SeCrEt-es-51"
KAFKA_PASSWORD = "KafkaPw-73"
SMTP_PASSWORD = "smtp-Pw-9d2"
HOOK_TOKEN = "hookTok-4411"
HOOK_SECRET = "hook-sign-secret-66"
DING_SECRET = "SECding-secret-88"
SECRETS = (ES_PASSWORD, KAFKA_PASSWORD, SMTP_PASSWORD, HOOK_TOKEN, HOOK_SECRET, DING_SECRET)
PHONE = "13900001111"  # personal data in a raw item


def closed_port() -> int:
    return free_port()  # bound, then released: nothing listens there


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
    env.update(
        YUQING_TEST_DING_SECRET=DING_SECRET,
        YUQING_TEST_HOOK_SECRET=HOOK_SECRET,
        **extra,
    )
    return env


def write_config(tmp_path: Path, hook_url: str = "", log_level: str = "DEBUG") -> Path:
    """The default stages plus a notify stage holding an SMTP password, a webhook token (in
    its URL, from an env var) and signing secrets (inline and from env vars)."""
    base = yaml.safe_load((ROOT / "deploy" / "yuqing.yaml").read_text(encoding="utf-8"))
    base["log_level"] = log_level
    base["data_dir"] = str(tmp_path / "data")
    base["stages"]["notify"] = {
        "class": "alerts.delivery.stage:NotifyStage",
        "tick_interval_s": 0.2,
        "digest": {"enabled": False},
        "retry": {"first_s": 0.2},
        "channels": {
            "mail": {
                "type": "email",
                "host": "127.0.0.1",
                "port": closed_port(),
                "username": "yuqing@dingan.example",
                "password": SMTP_PASSWORD,
                "sender": "yuqing@dingan.example",
                "timeout_s": 3,
            },
            "hook": {
                "type": "webhook",
                "url_env": "YUQING_TEST_HOOK_URL",
                "secret": HOOK_SECRET,
                "timeout_s": 3,
            },  # fmt: skip
            "ding": {
                "type": "dingtalk",
                "webhook_env": "YUQING_TEST_HOOK_URL",
                "secret_env": "YUQING_TEST_DING_SECRET",
            },  # fmt: skip
        },
        "recipients": {"default": {"channels": ["hook"], "also": ["mail"]}},
    }
    path = tmp_path / "yuqing.yaml"
    path.write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    return path


def yuqing(*args: str, env: dict[str, str], timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in (*SECRETS, PHONE):
            assert secret not in text, f"{secret!r} leaked:\n{text[-3000:]}"


def test_check_config_hides_backend_and_channel_credentials(tmp_path: Path) -> None:
    kafka_port, es_port = closed_port(), closed_port()
    env = base_env(
        YUQING_BUS=f"kafka://kuser:{KAFKA_PASSWORD}@127.0.0.1:{kafka_port}",
        YUQING_STORE=f"http://elastic:{ES_PASSWORD}@127.0.0.1:{es_port}",
        YUQING_TEST_HOOK_URL=f"http://127.0.0.1:{closed_port()}/hook?access_token={HOOK_TOKEN}",
    )
    config = write_config(tmp_path)
    result = yuqing("check-config", "--config", str(config), env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert_no_secret(result.stdout, result.stderr)
    assert f"bus:     kafka://kuser:***@127.0.0.1:{kafka_port}" in result.stdout
    assert f"store:   http://elastic:***@127.0.0.1:{es_port}" in result.stdout
    assert f"config:  {config}" in result.stdout  # paths are not mistaken for secrets
    assert "stage:   notify (alerts.delivery.stage:NotifyStage, enabled) ok" in result.stdout


def test_kafka_credentials_stay_out_of_the_error(tmp_path: Path) -> None:
    port = closed_port()
    env = base_env(YUQING_BUS=f"kafka://kuser:{KAFKA_PASSWORD}@127.0.0.1:{port}")
    started = time.monotonic()
    result = yuqing("classify", "--once", "--config", str(write_config(tmp_path)), env=env)
    assert time.monotonic() - started < 60
    assert result.returncode == 2
    assert_no_secret(result.stdout, result.stderr)
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("yuqing: error")]
    assert f"Kafka at 127.0.0.1:{port} unreachable" in error and "refused" in error


def test_es_setup_error_names_the_server_not_the_password(tmp_path: Path) -> None:
    port = closed_port()
    env = base_env(YUQING_STORE=f"http://elastic:{ES_PASSWORD}@127.0.0.1:{port}")
    result = yuqing("es", "setup", "--config", str(write_config(tmp_path)), env=env)
    assert result.returncode == 2
    assert_no_secret(result.stdout, result.stderr)
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("yuqing: error")]
    assert f"Elasticsearch at http://elastic:***@127.0.0.1:{port}: setup failed" in error
    assert "refused" in error


def test_es_setup_with_url_option(tmp_path: Path) -> None:
    url = f"http://elastic:{ES_PASSWORD}@127.0.0.1:{closed_port()}"
    result = yuqing("es", "setup", "--url", url, "--config", str(write_config(tmp_path)),
                    env=base_env())  # fmt: skip
    assert result.returncode == 2
    assert_no_secret(result.stdout, result.stderr)
    assert "elastic:***@127.0.0.1" in result.stderr


def put_raw_items(data: Path) -> None:
    """One valid item and one a stage must dead-letter; both carry a private phone number."""
    bus = bus_from_url("sqlite", data)
    bus.ensure_topics(ALL_TOPICS)
    producer = bus.producer()
    good = make_item(1, text=f"张三 电话{PHONE} 反映龙湖镇停水", author=f"张三 {PHONE}")
    producer.send(ITEMS_RAW.name, good.to_json().encode("utf-8"))
    bad = {"id": "bad", "text": f"李四 {PHONE}", "author": f"李四 {PHONE}"}
    producer.send(ITEMS_RAW.name, json.dumps(bad, ensure_ascii=False).encode("utf-8"))
    producer.close()
    bus.close()


def run_until(argv: list[str], env: dict[str, str], log: Path, marker: str, limit_s: float):
    """Run a stage with stderr to a log file until `marker` is logged (or `limit_s` passes),
    then stop it with SIGTERM; returns (stdout, the log)."""
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err, start_new_session=True
        )
        deadline = time.monotonic() + limit_s
        try:
            while time.monotonic() < deadline and proc.poll() is None:
                if marker in log.read_text(encoding="utf-8", errors="replace"):
                    break
                time.sleep(0.2)
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
            out, _ = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    return out.decode("utf-8", errors="replace"), log.read_text(encoding="utf-8", errors="replace")


def test_classify_with_an_unreachable_store_logs_no_password_and_no_raw_text(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path)
    put_raw_items(tmp_path / "data")
    port = closed_port()
    env = base_env(YUQING_STORE=f"http://elastic:{ES_PASSWORD}@127.0.0.1:{port}")
    argv = [sys.executable, "-m", "pipeline.cli", "classify", "--once", "--config", str(config)]
    out, log = run_until(argv, env, tmp_path / "classify.log", "backend unavailable", 60)
    assert_no_secret(out, log)
    assert f"Elasticsearch at http://elastic:***@127.0.0.1:{port}" in log
    assert "to dead-letter: invalid Item" in log  # the rejected record is reported, unquoted


def test_notify_once_logs_no_channel_secret(tmp_path: Path, receiver: RobotReceiver) -> None:
    # The receiver refuses, echoing the token of the URL as some gateways do.
    receiver.script("/hook", *[(500, {"error": f"bad access_token {HOOK_TOKEN}"})] * 20)
    env = base_env(YUQING_TEST_HOOK_URL=receiver.url(f"/hook?access_token={HOOK_TOKEN}"))
    config = write_config(tmp_path)
    seed_notice(tmp_path / "data")
    result = yuqing("notify", "--once", "--config", str(config), env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert receiver.on("/hook"), "the webhook was never called"
    assert_no_secret(result.stdout, result.stderr)
    assert "http-500" in result.stderr  # the failure itself is still reported


def test_notify_status_prints_no_channel_secret(tmp_path: Path, receiver: RobotReceiver) -> None:
    receiver.script("/hook", *[(500, {"error": f"bad access_token {HOOK_TOKEN}"})] * 20)
    env = base_env(YUQING_TEST_HOOK_URL=receiver.url(f"/hook?access_token={HOOK_TOKEN}"))
    config = write_config(tmp_path)
    seed_notice(tmp_path / "data")
    yuqing("notify", "--once", "--config", str(config), env=env, timeout=120)
    result = yuqing("notify", "--status", "--config", str(config), env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "http-500" in result.stdout
    assert_no_secret(result.stdout, result.stderr)


def seed_notice(data: Path) -> None:
    """A case and one escalation notice in the outbox, where the alert stage puts them."""
    from alerts.notices import Outbox
    from pipeline.storage.sqlite import open_sqlite_stores
    from tests.alerts.delivery.conftest import make_notice

    data.mkdir(parents=True, exist_ok=True)
    stores = open_sqlite_stores(data / "store.sqlite")
    try:
        case = make_case(11)
        stores.cases.create(case)
        Outbox(stores.state).put([make_notice(case)])
    finally:
        stores.close()


def test_kafka_url_credentials_become_sasl_options() -> None:
    from pipeline.bus.kafka import KafkaBus

    bus = KafkaBus(f"kafka://kuser:{KAFKA_PASSWORD}@127.0.0.1:9,127.0.0.2:9")
    assert bus.servers == ["127.0.0.1:9", "127.0.0.2:9"] and KAFKA_PASSWORD not in bus.url
    assert bus.options["sasl_plain_username"] == "kuser"
    assert bus.options["sasl_plain_password"] == KAFKA_PASSWORD
    assert bus.options["security_protocol"] == "SASL_PLAINTEXT"
