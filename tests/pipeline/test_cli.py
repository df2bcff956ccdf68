"""The CLI's promises: clear errors for bad config and unreachable backends, help that reads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def yuqing(*args: str, env: dict | None = None, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_help_lists_the_contract_commands():
    result = yuqing("--help")
    assert result.returncode == 0
    for command in ("demo", "run", "crawl", "classify", "alert", "clean", "cases", "bench"):
        assert command in result.stdout


def test_unreachable_broker_is_one_clear_line(tmp_path):
    result = yuqing(
        "classify", "--once", "--data", str(tmp_path), env={"YUQING_BUS": "kafka://127.0.0.1:9"}
    )
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("yuqing: error")]
    assert len(errors) == 1 and "127.0.0.1:9" in errors[0] and "unreachable" in errors[0]
    assert "Traceback" not in result.stderr


def test_unreachable_elasticsearch_is_one_clear_line(tmp_path):
    result = yuqing(
        "cases",
        "list",
        "--json",
        "--data",
        str(tmp_path),
        env={"YUQING_STORE": "http://127.0.0.1:9"},
    )
    assert result.returncode != 0
    assert "127.0.0.1:9" in result.stderr and "Traceback" not in result.stderr


def test_bad_backend_url_names_the_key(tmp_path):
    result = yuqing("check-config", "--data", str(tmp_path), env={"YUQING_BUS": "amqp://x"})
    assert result.returncode == 2
    assert "bus:" in result.stderr and "kafka://" in result.stderr


def test_read_only_data_dir_is_a_clear_error(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    yuqing("classify", "--once", "--data", str(data))  # creates the files
    for f in data.iterdir():
        f.chmod(0o444)
    try:
        result = yuqing("classify", "--once", "--data", str(data))
    finally:
        for f in data.iterdir():
            f.chmod(0o644)
    assert result.returncode == 2
    assert "read-only" in result.stderr and "Traceback" not in result.stderr


def test_check_config_on_the_default_config():
    result = yuqing("check-config")
    assert result.returncode == 0, result.stderr
    assert "定安县" in result.stdout and "configuration ok" in result.stdout
