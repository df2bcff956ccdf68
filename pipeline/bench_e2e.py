"""End-to-end latency: items offered into items.raw at a fixed rate, classify and alert
running as `yuqing stage` subprocesses, and per item:

- scored: offer → scored item stored (the items.scored message's timestamp; the classify
  stage writes the item store before it emits);
- alerted: offer → the alert stage committed the item, i.e. its case was opened or updated
  durably (or the item found below the opening threshold); seen by polling the alert
  group's committed offsets every 50 ms (250 ms on Kafka), so a figure is late by at most that;
- case: `alerted` for the items that are evidence on a case at the end.

The offer time is the item's scheduled time (t0 + i / rate), not when it was sent, so a
load generator falling behind shows up in the figures instead of hiding (coordinated
omission).
"""

from __future__ import annotations

import bisect
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from pathlib import Path
from typing import Any

from pipeline.bench_support import (
    GroupProgress,
    ItemFactory,
    StageProcesses,
    item_texts,
    percentiles,
    write_config,
)
from pipeline.bus import open_bus
from pipeline.bus.base import Producer
from pipeline.config import load_settings
from pipeline.storage import CaseQuery, open_stores
from pipeline.topics import ITEMS_RAW, ITEMS_SCORED

POLL_S = 0.05  # embedded: a read of the bus file
POLL_REMOTE_S = 0.25  # Kafka: an OffsetFetch round trip; faster polling loads the broker


class BenchSession:
    """A fresh data folder, a config with its own index prefix, the bus, the stage processes.
    `bus_url` / `store_url` other than sqlite make it the distributed mode."""

    def __init__(self, bus_url: str = "sqlite", store_url: str = "sqlite", pool: int = 2000):
        self.run_id = f"b{uuid.uuid4().hex[:8]}"
        self.mode = "embedded" if bus_url == "sqlite" and store_url == "sqlite" else "distributed"
        self.dir = Path(tempfile.mkdtemp(prefix="yuqing-bench-"))
        self.env = {"YUQING_BUS": bus_url, "YUQING_STORE": store_url}
        try:
            self.config = write_config(self.dir, f"bench-{self.run_id}")
            self.settings = load_settings(self.config, self.dir / "data", env=self.env)
            self.bus = open_bus(self.settings)
            self.factory = ItemFactory(self.run_id, item_texts(pool))
        except BaseException:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise
        self.stages = StageProcesses(self.config, self.settings.data_dir, self.env)

    def progress(self, stage: str) -> GroupProgress:
        topic = ITEMS_RAW if stage == "classify" else ITEMS_SCORED
        return GroupProgress(self.bus, f"yuqing.{stage}", topic.name)

    def close(self) -> None:
        try:
            self.stages.stop()
        finally:
            self.bus.close()
            if os.environ.get("YUQING_BENCH_KEEP"):  # the stage logs, for a run gone wrong
                print(f"bench state kept in {self.dir}", file=sys.stderr)
            else:
                shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> BenchSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Observer(threading.Thread):
    """Reads items.scored in its own group and follows the alert group's commits."""

    def __init__(self, session: BenchSession):
        super().__init__(daemon=True)
        self.run_id = session.run_id
        self.consumer = session.bus.consumer(f"bench.{self.run_id}", [ITEMS_SCORED.name])
        self.alert = session.progress("alert")
        self.poll_s = POLL_S if session.mode == "embedded" else POLL_REMOTE_S
        self.scored: dict[str, float] = {}  # id → seconds from offer to stored
        self.alerted: dict[str, float] = {}  # id → seconds from offer to alert commit
        self.warm_done = 0
        self.last_seen = 0.0  # when the last measured item was seen committed
        self._pending: dict[int, deque[tuple[int, str, float, bool]]] = {}
        self._history: dict[int, tuple[list[int], list[float]]] = {}
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                self._read(self.consumer.poll(500, self.poll_s))
                self._follow_commits()
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            self.error = exc
        finally:
            self.consumer.close()
            self.alert.close()

    def _read(self, messages: list) -> None:
        now = time.time()
        for m in messages:
            doc = json.loads(m.value)  # keyed by event: the id is in the document
            extra = doc.get("extra") or {}
            if extra.get("bench_run") != self.run_id:
                continue
            offered, warm = float(extra["bench_offered_at"]), bool(extra.get("bench_warmup"))
            item_id = doc["id"]
            if not warm:
                stored = m.timestamp_ms / 1000 if m.timestamp_ms else now
                self.scored[item_id] = stored - offered
            self._pending.setdefault(m.partition, deque()).append(
                (m.offset, item_id, offered, warm)
            )
        if messages:
            self.consumer.commit(messages)

    def _follow_commits(self) -> None:
        now = time.time()
        for part, offset in self.alert.committed().items():
            offsets, times = self._history.setdefault(part, ([], []))
            if not offsets or offset > offsets[-1]:
                offsets.append(offset)
                times.append(now)
        for part, queue in self._pending.items():
            offsets, times = self._history.get(part, ([], []))
            while queue and offsets and queue[0][0] < offsets[-1]:
                offset, item_id, offered, warm = queue.popleft()
                seen = times[bisect.bisect_right(offsets, offset)]  # first commit past it
                if warm:
                    self.warm_done += 1
                else:
                    self.alerted[item_id] = seen - offered
                    self.last_seen = max(self.last_seen, seen)


def offer_at_rate(
    producer: Producer, factory: ItemFactory, n: int, rate: float, warmup: bool = False
) -> dict[str, float]:
    """Send n items on the schedule t0 + i / rate, flushing every tick (as a crawler does)."""
    t0 = time.time() + 0.05
    i, worst = 0, 0.0
    while i < n:
        now = time.time()
        due = min(n, int((now - t0) * rate) + 1)
        while i < due:
            at = t0 + i / rate
            key, value = factory.make(i, at, warmup)
            producer.send(ITEMS_RAW.name, value, key)
            worst = max(worst, now - at)
            i += 1
        producer.flush()
        time.sleep(max(0.0, min(0.02, t0 + i / rate - time.time())))
    seconds = time.time() - t0
    return {"t0": t0, "offered_per_s": n / seconds, "send_late_max_ms": worst * 1000}


def wait_for(predicate, timeout_s: float, stages: StageProcesses, observer: Observer) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if observer.error:
            raise observer.error
        stages.check()
        if predicate():
            return True
        time.sleep(0.1)
    return False


def case_items(session: BenchSession) -> tuple[set[str], int]:
    """Ids of this run's items that are evidence on a case, and how many cases hold them."""
    stores = open_stores(session.settings)
    try:
        cases = stores.cases.list(CaseQuery(limit=10_000))
    finally:
        stores.close()
    prefix = f"{session.run_id}-"
    ids: set[str] = set()
    holding = 0
    for case in cases:
        mine = [i for i in case.items if i.startswith(prefix) and "-w" not in i]
        ids.update(mine)
        holding += bool(mine)
    return ids, holding


def run_latency(
    n: int = 2000, rate: float = 200.0, bus_url: str = "sqlite", store_url: str = "sqlite",
    warmup: int = 200,
) -> dict[str, Any]:  # fmt: skip
    """Offer n items at `rate`/s through classify → alert; per-item latency figures."""
    with BenchSession(bus_url, store_url) as session:
        observer = Observer(session)
        observer.start()
        for stage in ("classify", "alert"):
            session.stages.start(stage)
        producer = session.bus.producer()
        try:
            offer_at_rate(producer, session.factory, warmup, max(rate, 100.0), warmup=True)
            if not wait_for(lambda: observer.warm_done >= warmup, 180, session.stages, observer):
                raise RuntimeError(f"warm-up: {observer.warm_done}/{warmup} items after 180 s")
            offered = offer_at_rate(producer, session.factory, n, rate)
            done = wait_for(lambda: len(observer.alerted) >= n, max(60, n / 20),
                            session.stages, observer)  # fmt: skip
        finally:
            producer.close()
            observer.stop.set()
            observer.join(10)
        in_cases, cases = case_items(session)
        alerted = observer.alerted
        return {
            "mode": session.mode,
            "rate": rate,
            "items": n,
            "measured_scored": len(observer.scored),
            "measured_alerted": len(alerted),
            "complete": done,
            "offered_per_s": round(offered["offered_per_s"], 1),
            "send_late_max_ms": round(offered["send_late_max_ms"], 1),
            "items_per_s": round(n / (observer.last_seen - offered["t0"]), 1) if done else None,
            "scored": percentiles(list(observer.scored.values())),
            "alerted": percentiles(list(alerted.values())),
            "case": percentiles([alerted[i] for i in in_cases if i in alerted]),
            "cases": cases,
            "commit_poll_ms": observer.poll_s * 1000,
        }
