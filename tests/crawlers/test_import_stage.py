"""`yuqing stage import`: the endpoint as a supervised stage, token from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml

from pipeline.bus.local import SqliteBus
from pipeline.models import Item
from pipeline.topics import ITEMS_RAW
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def _config(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "yuqing.yaml"
    config = {
        "data_dir": str(tmp_path / "data"),
        "stages": {"import": {"class": "crawlers.import_stage:ImportApiStage", "port": port}},
    }
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _start(config: Path, token: str) -> subprocess.Popen:
    env = {**os.environ, "YUQING_IMPORT_TOKEN": token}
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "stage", "import", "--config", str(config)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_import_stage_accepts_items_with_the_token(tmp_path):
    port = free_port()
    proc = _start(_config(tmp_path, port), "s3cret")
    url = f"http://127.0.0.1:{port}/api/items"
    item = {"source_type": "print", "source_name": "海南日报", "text": "定安县龙湖镇停水三天"}
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                refused = httpx.post(url, json=[item], timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the import endpoint did not come up"
                time.sleep(0.2)
        assert refused.status_code == 401
        ok = httpx.post(url, json=[item], headers={"Authorization": "Bearer s3cret"}, timeout=5)
        assert ok.status_code == 200 and ok.json()["accepted"] == 1
    finally:
        proc.terminate()
        proc.wait(30)
    consumer = SqliteBus(tmp_path / "data" / "bus.sqlite").consumer("t", [ITEMS_RAW.name])
    items = [Item.from_json(m.value) for m in consumer.poll(10, 1.0)]
    assert [(i.source_name, i.text) for i in items] == [("海南日报", "定安县龙湖镇停水三天")]


def test_import_stage_refuses_to_run_without_a_token(tmp_path):
    proc = _start(_config(tmp_path, free_port()), "")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "YUQING_IMPORT_TOKEN" in err
