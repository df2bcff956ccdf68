"""Sustained throughput and the soak: items offered as fast as the pipeline takes them
(at most `backlog` offered but not yet through the alert stage), progress read from the
stage groups' committed offsets, the resident memory of every stage process sampled.

Also each stage alone: items.raw filled first, then classify started by itself and timed
from its first commit to its last, then alert the same way over items.scored.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any

from pipeline.bench_e2e import BenchSession
from pipeline.bench_support import cpu_seconds, rss_mb
from pipeline.topics import ITEMS_RAW

Echo = Callable[[str], None]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _offer(session: BenchSession, start: int, count: int, warmup: bool = False) -> None:
    producer = session.bus.producer()
    try:
        for i in range(start, start + count):
            key, value = session.factory.make(i, time.time(), warmup)
            producer.send(ITEMS_RAW.name, value, key)
            if i % 500 == 499:
                producer.flush()
    finally:
        producer.close()


def _wait_total(session: BenchSession, stage: str, target: int, timeout_s: float) -> list:
    """(time, committed, CPU seconds of the stage's process) each 0.1 s until the stage's
    group committed `target` messages."""
    progress = session.progress(stage)
    seen: list[tuple[float, int, float | None]] = []
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            session.stages.check()
            total = progress.total()
            if not seen or total != seen[-1][1]:
                seen.append((time.time(), total, session.stages.cpu().get(stage)))
            if total >= target:
                return seen
            time.sleep(0.1)
    finally:
        progress.close()
    raise RuntimeError(f"{stage}: {seen[-1][1] if seen else 0}/{target} after {timeout_s:.0f} s")


def stage_rates(n: int = 5000, bus_url: str = "sqlite", store_url: str = "sqlite") -> dict:
    """items/s of classify alone, then alert alone, each a `yuqing stage` subprocess."""
    results: dict[str, Any] = {}
    with BenchSession(bus_url, store_url) as session:
        _offer(session, 0, n)
        for stage in ("classify", "alert"):
            session.stages.start(stage)
            seen = _wait_total(session, stage, n, 120 + n / 20)
            (t1, c1, u1), (t2, c2, u2) = seen[1] if len(seen) > 1 else seen[0], seen[-1]
            rate = (c2 - c1) / (t2 - t1) if t2 > t1 else None
            cpu = (u2 - u1) / (c2 - c1) * 1000 if u1 is not None and u2 and c2 > c1 else None
            results[stage] = {"items_per_s": round(rate, 1) if rate else None, "items": n,
                              "cpu_ms_per_item": round(cpu, 3) if cpu else None,
                              "mode": session.mode}  # fmt: skip
    return results


def _slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of y over x."""
    if len(points) < 3:
        return None
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    var = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / var if var else None


def sustained(
    n: int,
    bus_url: str = "sqlite",
    store_url: str = "sqlite",
    backlog: int = 4000,
    sample_s: float = 5.0,
    classify_workers: int = 1,
    max_seconds: float | None = None,
    echo: Echo = _stderr,
) -> dict[str, Any]:
    """Push n items through classify → alert as fast as they are taken (or for at most
    `max_seconds`); items/s and the RSS series of every stage process (MB), with its slope
    per 100k items after a 10 % warm-up."""
    with BenchSession(bus_url, store_url) as session:
        for k in range(classify_workers):
            session.stages.start("classify", f"classify-{k + 1}" if classify_workers > 1 else None)
        session.stages.start("alert")
        alert, classify = session.progress("alert"), session.progress("classify")
        start = alert.total()  # a reused broker may hold earlier commits of these groups
        _offer(session, 0, 200, warmup=True)  # the stages load their models meanwhile
        _wait_total(session, "alert", start + 200, 300)
        base_a, base_c = alert.total(), classify.total()
        producer = session.bus.producer()
        samples: list[dict[str, Any]] = []
        offered, t0 = 0, time.time()
        next_sample = t0
        try:
            while True:
                done = alert.total() - base_a
                now = time.time()
                timed_out = max_seconds is not None and now - t0 >= max_seconds
                if now >= next_sample or done >= n or timed_out:
                    session.stages.check()
                    rss = {k: round(v, 1) for k, v in session.stages.rss().items() if v}
                    rss["bench"] = round(rss_mb_self(), 1)
                    cpu = {k: round(v, 3) for k, v in session.stages.cpu().items() if v}
                    cpu["bench"] = round(cpu_seconds(os.getpid()) or 0.0, 3)
                    sample = {"t_s": round(now - t0, 1), "items": done,
                              "classified": classify.total() - base_c, "rss_mb": rss,
                              "cpu_s": cpu}  # fmt: skip
                    samples.append(sample)
                    echo(f"  t={sample['t_s']:7.1f}s items={done:9d} rss_mb={rss}")
                    next_sample = now + sample_s
                if done >= n or timed_out:
                    break
                room = min(n - offered, backlog - (offered - done), 500)
                if room <= 0:  # each look at the progress is a query (Kafka: a round trip)
                    time.sleep(0.05 if session.mode == "embedded" else 0.25)
                    continue
                for i in range(offered, offered + room):
                    key, value = session.factory.make(i, now)
                    producer.send(ITEMS_RAW.name, value, key)
                producer.flush()
                offered += room
        finally:
            producer.close()
            alert.close()
            classify.close()
        seconds, done = samples[-1]["t_s"], samples[-1]["items"]
        return {
            "mode": session.mode,
            "items": done,
            "target_items": n,
            "complete": done >= n,
            "seconds": seconds,
            "items_per_s": round(done / seconds, 1) if seconds else None,
            "classify_workers": classify_workers,
            "backlog": backlog,
            "memory": memory_summary(samples, done),
            "cpu_ms_per_item": cpu_summary(samples),
            "samples": samples,
        }


def cpu_summary(samples: list[dict[str, Any]]) -> dict[str, float]:
    """CPU ms per item of each process over the run (after the warm-up) and their total:
    what a run on a busy machine still measures (2 cores / total = the pipeline's ceiling)."""
    first, last = samples[0], samples[-1]
    done = last["items"] - first["items"]
    if done <= 0:
        return {}
    out = {name: round((last["cpu_s"][name] - first["cpu_s"][name]) / done * 1000, 3)
           for name in sorted(set(first["cpu_s"]) & set(last["cpu_s"]))}  # fmt: skip
    out["total"] = round(sum(out.values()), 3)
    return out


def rss_mb_self() -> float:
    return rss_mb(os.getpid()) or 0.0


def memory_summary(samples: list[dict[str, Any]], n: int) -> dict[str, Any]:
    """Per process: first, last and max RSS, and the slope (MB per 100k items) after the
    first 10 % of the items (caches and the model filling up are not a leak)."""
    out: dict[str, Any] = {}
    names = sorted({k for s in samples for k in s["rss_mb"]})
    for name in names:
        series = [(s["items"], s["rss_mb"][name]) for s in samples if name in s["rss_mb"]]
        steady = [(x, y) for x, y in series if x >= n * 0.1]
        slope = _slope(steady)
        out[name] = {
            "first_mb": series[0][1] if series else None,
            "last_mb": series[-1][1] if series else None,
            "max_mb": max((y for _, y in series), default=None),
            "slope_mb_per_100k_items": round(slope * 100_000, 2) if slope is not None else None,
        }
    return out
