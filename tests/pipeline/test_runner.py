"""The runner: at-least-once batches, the dead-letter topic, retries, and crash recovery."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from pipeline.bus.base import BusError
from pipeline.bus.local import SqliteBus
from pipeline.config import load_settings
from pipeline.runner import StageRunner
from pipeline.stage import StageContext
from pipeline.storage.sqlite import open_sqlite_stores
from pipeline.topics import ALL_TOPICS, DEAD_LETTER, ITEMS_RAW
from tests.factories import make_item
from tests.pipeline.effect_stage import EffectStage

ROOT = Path(__file__).resolve().parents[2]


def write_config(tmp_path: Path, **options) -> Path:
    config = {
        "data_dir": str(tmp_path / "data"),
        "stages": {"effect": {"class": "tests.pipeline.effect_stage:EffectStage", **options}},
    }
    path = tmp_path / "yuqing.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def produce(settings, items=(), raw=()) -> None:
    bus = SqliteBus(settings.bus_path)
    bus.ensure_topics(ALL_TOPICS)
    producer = bus.producer()
    for item in items:
        producer.send(ITEMS_RAW.name, item.to_bytes(), item.id.encode())
    for value in raw:
        producer.send(ITEMS_RAW.name, value, b"raw")
    producer.close()


def effects(settings) -> dict:
    stores = open_sqlite_stores(settings.store_path)
    try:
        return dict(stores.state.scan("effects")), dict(stores.state.scan("attempts"))
    finally:
        stores.close()


def dead_letters(settings) -> list:
    consumer = SqliteBus(settings.bus_path).consumer("test-dlq", [DEAD_LETTER.name])
    try:
        return consumer.poll(1000, 0.5)
    finally:
        consumer.close()


def run_stage_in_process(settings, **options) -> StageRunner:
    ctx = StageContext(settings)
    stage = EffectStage(ctx, EffectStage.Options(**options))
    runner = StageRunner(stage, batch_size=10, poll_timeout_s=0.1)
    runner.run(threading.Event(), max_idle_polls=2)
    return runner


def test_processes_everything_once_and_commits(tmp_path):
    settings = load_settings(write_config(tmp_path))
    produce(settings, [make_item(i) for i in range(25)])
    runner = run_stage_in_process(settings)
    done, attempts = effects(settings)
    assert runner.processed == 25
    assert set(done) == {f"item-{i}" for i in range(25)}
    assert set(attempts.values()) == {1}
    # committed: a second run sees nothing new
    assert run_stage_in_process(settings).processed == 0


def test_poison_and_invalid_records_go_to_dead_letter(tmp_path):
    settings = load_settings(write_config(tmp_path))
    good = [make_item(i) for i in range(6)]
    poison = make_item(99, text="☠ this record makes the stage raise")
    produce(settings, [*good[:3], poison, *good[3:]], raw=[b"{not json", b'{"id": "x"}'])
    runner = run_stage_in_process(settings)
    done, _ = effects(settings)
    assert set(done) == {i.id for i in good}
    letters = dead_letters(settings)
    assert runner.dead_lettered == 3
    assert len(letters) == 3
    errors = sorted(m.headers["error"].decode() for m in letters)
    assert any("ValueError: cannot handle item-99" in e for e in errors)
    assert sum("invalid Item" in e for e in errors) == 2
    originals = {m.value for m in letters}
    assert b"{not json" in originals and poison.to_bytes() in originals
    assert all(m.headers["stage"] == b"effect" and m.headers["source_topic"] for m in letters)


def test_backend_outage_is_retried_not_dead_lettered(tmp_path):
    settings = load_settings(write_config(tmp_path))
    produce(settings, [make_item(i) for i in range(5)])
    runner = run_stage_in_process(settings, flaky_times=2)
    done, _ = effects(settings)
    assert set(done) == {f"item-{i}" for i in range(5)}
    assert runner.dead_lettered == 0
    assert dead_letters(settings) == []


def _stage_process(config: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "stage", "effect", "--config", str(config), *extra],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _wait_for_effects(settings, at_least: int, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, _ = effects(settings)
        if len(done) >= at_least:
            return len(done)
        time.sleep(0.05)
    raise AssertionError(f"fewer than {at_least} effects after {timeout}s")


def test_sigkill_mid_batch_loses_nothing_and_doubles_nothing(tmp_path):
    config = write_config(tmp_path, delay_s=0.01, batch_size=40)
    settings = load_settings(config)
    n = 300
    produce(settings, [make_item(i) for i in range(n)])
    proc = _stage_process(config)
    try:
        _wait_for_effects(settings, 60)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    killed_at, _ = effects(settings)
    assert 0 < len(killed_at) < n, "the kill must land mid-stream"

    restarted = _stage_process(config, "--once")
    _, err = restarted.communicate(timeout=120)
    assert restarted.returncode == 0, err.decode()
    done, attempts = effects(settings)
    assert set(done) == {f"item-{i}" for i in range(n)}  # every message, effect written once
    assert len(done) == n
    # at-least-once: the uncommitted part of the killed batch was processed again
    assert max(attempts.values()) == 2
    assert dead_letters(settings) == []


def test_sigterm_finishes_the_batch_and_commits(tmp_path):
    config = write_config(tmp_path, delay_s=0.01, batch_size=20)
    settings = load_settings(config)
    produce(settings, [make_item(i) for i in range(200)])
    proc = _stage_process(config)
    _wait_for_effects(settings, 30)
    os.killpg(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    first, _ = effects(settings)
    assert len(first) % 20 == 0, "stopped on a batch boundary"
    rerun = _stage_process(config, "--once")
    rerun.communicate(timeout=120)
    done, attempts = effects(settings)
    assert len(done) == 200
    assert set(attempts.values()) == {1}, "a graceful stop re-processes nothing"


@pytest.mark.parametrize("mode", ["bad key", "bad value"])
def test_bad_stage_options_are_reported_with_file_and_key(tmp_path, mode):
    options = {"no_such_option": 1} if mode == "bad key" else {"delay_s": "soon"}
    config = write_config(tmp_path, **options)
    proc = _stage_process(config, "--once")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    message = err.decode()
    assert str(config) in message and "stages.effect" in message
    assert ("no_such_option" in message) if mode == "bad key" else ("delay_s" in message)


def _runner_probing(tmp_path, monkeypatch, answers: list[bool]) -> tuple[StageRunner, list[float]]:
    """A runner whose backends answer (True) or not (False) at successive probes."""
    monkeypatch.setattr("pipeline.runner.PROBE_EVERY_S", 0.05)
    ctx = StageContext(load_settings(write_config(tmp_path)))
    runner = StageRunner(EffectStage(ctx, EffectStage.Options()))
    probes: list[float] = []

    def check_backends() -> None:
        probes.append(time.monotonic())
        if not answers[min(len(probes), len(answers)) - 1]:
            raise BusError("down")

    monkeypatch.setattr(ctx, "check_backends", check_backends)
    return runner, probes


def test_back_off_ends_when_a_backend_seen_down_answers_again(tmp_path, monkeypatch):
    runner, probes = _runner_probing(tmp_path, monkeypatch, [False, False, True])
    started = time.monotonic()
    assert runner._back_off(30.0, threading.Event()) is True
    assert len(probes) == 3
    assert time.monotonic() - started < 5.0  # not the 30 s asked for


def test_back_off_is_waited_in_full_while_the_backends_answer(tmp_path, monkeypatch):
    runner, probes = _runner_probing(tmp_path, monkeypatch, [True])
    started = time.monotonic()
    assert runner._back_off(0.5, threading.Event()) is False
    assert time.monotonic() - started >= 0.5
    assert len(probes) >= 5


def test_back_off_ends_at_once_when_asked_to_stop(tmp_path, monkeypatch):
    runner, probes = _runner_probing(tmp_path, monkeypatch, [False])
    stop = threading.Event()
    stop.set()
    assert runner._back_off(30.0, stop) is False
    assert probes == []
