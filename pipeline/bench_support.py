"""What the pipeline benchmarks share: realistic items, stage subprocesses, group progress
read from the bus, and the resident memory of a process.

Kernel-clean: the item texts come from a generator found by name (the `yuqing.bench_items`
entry point, else `classifiers.bench:make_items`), and the stages run as `yuqing stage NAME`
subprocesses, so nothing here imports a stage package.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import yaml

from pipeline.bus.base import Bus
from pipeline.config import DEFAULT_CONFIG
from pipeline.registry import load_object

ITEMS_GENERATOR = "classifiers.bench:make_items"  # fallback when no entry point names one
ITEM_CHARS = 300
SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")


def item_texts(pool: int = 2000) -> list[str]:
    """Texts of realistic items from the stage package's generator (found by name)."""
    found = [ep for ep in entry_points(group="yuqing.bench_items")]
    make: Callable[..., list[Any]] = (
        found[0].load() if found else load_object(ITEMS_GENERATOR, "bench item generator")
    )
    return [item.text for item in make(pool)]


class ItemFactory:
    """Item JSON for the offer loop: a run tag and the offer time in `extra`, crawled now.

    A post is 2–6 sentences drawn from the pool texts (so posts differ, as a stream's do);
    one in five is a repost of one of the last 50 posts with a short comment, so some
    events gather several items and their cases are updated, not only opened."""

    SOURCES = ("forum", "weibo", "news", "hotline", "wechat")
    REPOST_SHARE = 0.2

    def __init__(self, run_id: str, texts: list[str], seed: int = 7):
        self.run_id = run_id
        self.sentences = [s for t in texts for s in SENTENCE.findall(t) if len(s) >= 8]
        self.rng = random.Random(seed)
        self.recent: deque[str] = deque(maxlen=50)

    def text(self) -> str:
        if self.recent and self.rng.random() < self.REPOST_SHARE:
            return ("转发：" + self.rng.choice(self.recent))[:ITEM_CHARS]
        parts = self.rng.sample(self.sentences, self.rng.randint(2, 6))
        text = "".join(parts)[:ITEM_CHARS]
        self.recent.append(text)
        return text

    def make(self, i: int, offered_at: float, warmup: bool = False) -> tuple[bytes, bytes]:
        """(key, value) of item number i, offered at `offered_at` (epoch seconds)."""
        stamp = datetime.fromtimestamp(offered_at, UTC).isoformat()
        item_id = f"{self.run_id}-{'w' if warmup else ''}{i}"
        doc = {
            "id": item_id,
            "source_type": self.SOURCES[i % len(self.SOURCES)],
            "source_name": "定安论坛",
            "url": f"http://bench.invalid/{item_id}",
            "text": self.text(),
            "published_at": stamp,
            "crawled_at": stamp,
            "extra": {"bench_run": self.run_id, "bench_offered_at": offered_at,
                      "bench_warmup": warmup},
        }  # fmt: skip
        return item_id.encode(), json.dumps(doc, ensure_ascii=False).encode("utf-8")


class GroupProgress:
    """Committed offsets of a consumer group on one topic, read without joining the group."""

    def __init__(self, bus: Bus, group: str, topic: str):
        self.bus, self.group, self.topic = bus, group, topic
        self._conn: sqlite3.Connection | None = None
        path = getattr(bus, "path", None)
        if path is not None:
            self._conn = sqlite3.connect(
                f"file:{path}?mode=ro", uri=True, timeout=10, check_same_thread=False
            )

    def committed(self) -> dict[int, int]:
        """partition → committed offset (the next message the group will read)."""
        if self._conn is not None:
            rows = self._conn.execute(
                "SELECT partition, offset FROM group_offsets WHERE grp = ? AND topic = ?",
                (self.group, self.topic),
            ).fetchall()
            return {int(p): int(o) for p, o in rows}
        admin = self.bus.admin()  # type: ignore[attr-defined]  # the Kafka backend's admin
        offsets = admin.list_group_offsets({self.group: None}).get(self.group, {})
        return {tp.partition: m.offset for tp, m in offsets.items() if tp.topic == self.topic}

    def total(self) -> int:
        return sum(max(0, o) for o in self.committed().values())

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process in MB (psutil when installed, else /proc)."""
    try:
        import psutil  # type: ignore[import-not-found]

        return psutil.Process(pid).memory_info().rss / 2**20
    except ImportError:
        pass
    except Exception:  # noqa: BLE001 - gone
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds a process has used: on a shared machine CPU per item is
    the figure that compares runs, where items/s follows the other load."""
    try:
        import psutil  # type: ignore[import-not-found]

        times = psutil.Process(pid).cpu_times()
        return times.user + times.system
    except ImportError:
        pass
    except Exception:  # noqa: BLE001 - gone
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def write_config(folder: Path, es_prefix: str) -> Path:
    """A copy of the default config with its own index prefix (a shared Elasticsearch keeps
    the benchmark's indices apart). Profiles and policies given by name resolve in deploy/."""
    raw = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8")) or {}
    raw["es_prefix"] = es_prefix
    path = folder / "bench.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


class StageProcesses:
    """`yuqing stage NAME` subprocesses over one data folder and backend, logs in DATA/logs."""

    def __init__(self, config: Path, data_dir: Path, env: dict[str, str]):
        self.config, self.data_dir = config, data_dir
        self.env = {**os.environ, **env}
        self.procs: dict[str, subprocess.Popen] = {}
        (data_dir / "logs").mkdir(parents=True, exist_ok=True)

    def start(self, name: str, label: str | None = None) -> None:
        label = label or name
        argv = [sys.executable, "-m", "pipeline.cli", "stage", name,
                "--config", str(self.config), "--data", str(self.data_dir)]  # fmt: skip
        with open(self.data_dir / "logs" / f"{label}.log", "ab") as log:
            self.procs[label] = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=self.env
            )

    def check(self) -> None:
        """Raise if a stage died (its log tail says why)."""
        for label, proc in self.procs.items():
            if proc.poll() is not None:
                tail = (self.data_dir / "logs" / f"{label}.log").read_text(errors="replace")
                raise RuntimeError(f"stage {label} exited with {proc.returncode}: {tail[-1500:]}")

    def rss(self) -> dict[str, float | None]:
        return {label: rss_mb(p.pid) for label, p in self.procs.items()}

    def cpu(self) -> dict[str, float | None]:
        return {label: cpu_seconds(p.pid) for label, p in self.procs.items()}

    def stop(self, grace_s: float = 20.0) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()


def percentiles(values: list[float]) -> dict[str, float | int]:
    """p50 / p95 / p99 / max / mean in milliseconds of latencies given in seconds."""
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {
        "n": len(ordered),
        "p50_ms": at(0.50),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "max_ms": round(ordered[-1] * 1000, 1),
        "mean_ms": round(sum(ordered) / len(ordered) * 1000, 1),
    }


def machine() -> dict[str, Any]:
    """The machine the figures were taken on."""
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) // 1024
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "mem_total_mb": mem,
        "python": sys.version.split()[0],
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }
