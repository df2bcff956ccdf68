"""Smoke test of the end-to-end benchmark: a tiny embedded run through `yuqing bench --e2e`,
classify and alert as real subprocesses. Checks the JSON shape and that every offered item
was measured; no timing assertions (the machine is shared and noisy)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from pipeline.bench_soak import cpu_summary, memory_summary
from pipeline.bench_support import ItemFactory, cpu_seconds, percentiles

ITEMS = 50


def test_e2e_benchmark_measures_every_offered_item(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "bench", "--e2e", "--quick",
         "--items", str(ITEMS), "--rate", "100", "--out", str(tmp_path / "bench.json")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    document = json.loads(run.stdout.strip().splitlines()[-1])
    assert json.loads((tmp_path / "bench.json").read_text()) == document
    e2e = document["e2e_embedded"]
    assert "error" not in e2e, e2e
    assert e2e["mode"] == "embedded" and e2e["items"] == ITEMS and e2e["complete"] is True
    assert e2e["measured_scored"] == ITEMS and e2e["measured_alerted"] == ITEMS
    for key in ("scored", "alerted"):
        figures = e2e[key]
        assert figures["n"] == ITEMS
        assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["max_ms"]
    # the alert stage commits an item only after the classify stage stored it
    assert e2e["alerted"]["p50_ms"] >= e2e["scored"]["p50_ms"]
    assert e2e["case"]["n"] <= ITEMS and e2e["cases"] >= 1
    assert document["machine"]["nproc"] >= 1
    assert "classify" not in document  # --e2e alone runs no stage benchmark


def test_items_are_valid_and_tagged():
    from pipeline.models import Item

    factory = ItemFactory("run1", ["县水务局说明天停水。龙湖镇的村民很着急！学校食堂怎么办？"] * 3)
    key, value = factory.make(7, 1_700_000_000.0)
    item = Item.from_json(value)
    assert key == b"run1-7" and item.id == "run1-7"
    assert item.extra["bench_run"] == "run1" and item.extra["bench_offered_at"] == 1.7e9
    assert factory.make(8, 1.7e9, warmup=True)[0] == b"run1-w8"


def test_percentiles_and_memory_slope():
    figures = percentiles([i / 1000 for i in range(1, 101)])
    assert figures == {"n": 100, "p50_ms": 51.0, "p95_ms": 96.0, "p99_ms": 100.0,
                       "max_ms": 100.0, "mean_ms": 50.5}  # fmt: skip
    samples = [{"items": i * 10_000, "rss_mb": {"alert": 100 + i, "classify": 300}}
               for i in range(11)]  # fmt: skip
    memory = memory_summary(samples, 100_000)
    assert memory["alert"]["slope_mb_per_100k_items"] == 10.0
    assert memory["classify"]["slope_mb_per_100k_items"] == 0.0
    assert memory["alert"]["first_mb"] == 100 and memory["alert"]["last_mb"] == 110


def test_cpu_per_item_of_each_process_and_their_total():
    samples = [{"items": i * 1000, "cpu_s": {"classify": 10 + i, "alert": 5 + 0.4 * i}}
               for i in range(5)]  # fmt: skip
    assert cpu_summary(samples) == {"alert": 0.4, "classify": 1.0, "total": 1.4}
    assert cpu_summary(samples[:1]) == {}  # nothing done: no figure
    before = cpu_seconds(os.getpid())
    end = time.process_time() + 0.3
    while time.process_time() < end:
        pass
    assert before is not None and cpu_seconds(os.getpid()) - before >= 0.2
    assert cpu_seconds(2**22 + 7) is None  # no such process
