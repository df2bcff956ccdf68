"""CrawlStage: `yuqing crawl --once` (a pass in its own process) and continuous mode (child passes)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

from crawlers.stage import CrawlOptions, CrawlStage
from pipeline.config import load_settings
from pipeline.stage import StageContext
from tests.crawlers.conftest import DEMO_SOURCES, ROOT, BusReader, write_config


def test_crawl_once_command_runs_a_pass_in_process(tmp_path, demo_sites):
    config = write_config(tmp_path)
    env = {**os.environ, "YUQING_DEMO_URL": demo_sites.base_url, "YUQING_CONFIG": str(config)}
    argv = [sys.executable, "-m", "pipeline.cli", "crawl", "--once", "--config", str(config),
            "--data", str(tmp_path / "data")]  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 60
    items = BusReader(tmp_path / "data").items()
    assert len(items) == 156
    assert "crawl pass: 156 item(s) emitted" in done.stderr
    assert "scrapy.middleware" not in done.stderr  # Scrapy's start-up chatter is quiet
    again = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "0 item(s) emitted (0 changed), 156 unchanged" in again.stderr
    assert len(BusReader(tmp_path / "data").items()) == 156


def test_continuous_mode_crawls_in_child_processes_until_stopped(tmp_path, demo_sites, monkeypatch):
    monkeypatch.setenv("YUQING_DEMO_URL", demo_sites.base_url)
    settings = load_settings(write_config(tmp_path), env={})
    ctx = StageContext(settings)
    stage = CrawlStage(ctx, CrawlOptions(sources=str(DEMO_SOURCES)))
    stop = threading.Event()
    runner = threading.Thread(target=stage.run, args=(stop,))
    runner.start()
    try:
        deadline = time.monotonic() + 90
        while stage.last_report is None and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        runner.join(60)
        ctx.close()
    assert not runner.is_alive()
    assert stage.last_report is not None and stage.last_report.emitted == 156
    assert len(BusReader(settings.data_dir).items()) == 156


def test_stage_declares_itself():
    assert CrawlStage.name == "crawl" and CrawlStage.consumes == ()
    assert CrawlOptions(sources="x").once is False
