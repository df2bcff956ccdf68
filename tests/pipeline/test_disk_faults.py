"""A full disk and a read-only data folder: the stage stops with one clear error naming the
path and a non-zero exit (no retry loop, no traceback storm), and the stores still open
and pass an integrity check afterwards.

The full disk is a real 2 MB tmpfs mounted in a private user+mount namespace (`unshare -rm`,
no root needed where user namespaces are enabled; skipped where they are not)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
YUQING = [sys.executable, "-m", "pipeline.cli"]


def write_config(path: Path, data: Path) -> Path:
    config = {"data_dir": str(data), "profile": "dingan",
              "stages": {"classify": {"class": "classifiers.stage:ClassifyStage",
                                      "batch_size": 50}}}  # fmt: skip
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


SEED_AND_RUN = r"""
import json, subprocess, sys, sqlite3
from pathlib import Path
from pipeline.bus.local import SqliteBus
from pipeline.models import Item
from pipeline.storage.sqlite import open_sqlite_stores
from pipeline.topics import ALL_TOPICS, ITEMS_RAW
data, config = Path(sys.argv[1]), sys.argv[2]
bus = SqliteBus(data / "bus.sqlite"); bus.ensure_topics(ALL_TOPICS)
producer = bus.producer()
for n in range(120):
    item = Item(id=f"disk-{n}", source_type="forum", source_name="定安论坛",
                text=f"龙湖镇第{n}村停水三天，村民反映。" * 40,
                published_at="2026-11-20T10:00:00+08:00", crawled_at="2026-11-20T10:00:00+08:00")
    producer.send(ITEMS_RAW.name, item.to_bytes(), item.id.encode())
producer.flush(); producer.close(); bus.close()
run = subprocess.run([sys.executable, "-m", "pipeline.cli", "classify", "--once",
                      "--config", config], capture_output=True, text=True, timeout=240)
stores = open_sqlite_stores(data / "store.sqlite")
stored = stores.items.count()
stores.close()
checks = [sqlite3.connect(data / f).execute("PRAGMA integrity_check").fetchone()[0]
          for f in ("store.sqlite", "bus.sqlite")]
print(json.dumps({"rc": run.returncode, "stderr": run.stderr[-4000:], "stored": stored,
                  "checks": checks}))
"""


def test_a_full_disk_stops_the_stage_cleanly(tmp_path: Path) -> None:
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not installed")
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"no user namespaces here: {probe.stderr.decode()[:200]}")
    mnt = tmp_path / "small"
    mnt.mkdir()
    config = write_config(tmp_path / "yuqing.yaml", mnt / "data")
    script = tmp_path / "seed_and_run.py"
    script.write_text(SEED_AND_RUN, encoding="utf-8")
    shell = (f"mount -t tmpfs -o size=2m tmpfs {mnt} && cd {ROOT} && "
             f"{sys.executable} {script} {mnt / 'data'} {config}")  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(["unshare", "-rm", "sh", "-c", shell], capture_output=True,
                          text=True, timeout=300, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["rc"] == 2, result
    stderr = result["stderr"]
    assert f"{mnt / 'data'}" in stderr and "full" in stderr, stderr
    assert stderr.count("Traceback") == 0, stderr
    assert stderr.count("retrying") <= 1, stderr
    assert result["checks"] == ["ok", "ok"]


def test_a_read_only_data_folder_is_a_clear_error(tmp_path: Path) -> None:
    data = tmp_path / "data"
    config = write_config(tmp_path / "yuqing.yaml", data)
    first = subprocess.run([*YUQING, "classify", "--once", "--config", str(config)],
                           capture_output=True, text=True, timeout=240, cwd=ROOT)  # fmt: skip
    assert first.returncode == 0, first.stderr[-2000:]
    for f in data.iterdir():
        f.chmod(stat.S_IRUSR | stat.S_IRGRP)
    data.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        run = subprocess.run([*YUQING, "classify", "--once", "--config", str(config)],
                             capture_output=True, text=True, timeout=240, cwd=ROOT)  # fmt: skip
    finally:
        data.chmod(stat.S_IRWXU)
        for f in data.iterdir():
            f.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert run.returncode == 2, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    assert str(data) in run.stderr and ("read-only" in run.stderr or "not writable" in run.stderr)
    again = subprocess.run([*YUQING, "classify", "--once", "--config", str(config)],
                           capture_output=True, text=True, timeout=240, cwd=ROOT)  # fmt: skip
    assert again.returncode == 0, again.stderr[-2000:]
