"""`yuqing bench`: which benchmarks to run and one JSON document of their figures.

The stage benchmarks come from the `yuqing.benchmarks` entry points (in-process, one core);
the pipeline benchmarks (bench_e2e, bench_soak) drive `yuqing stage` subprocesses over the
embedded backends and, when given or started here, over Kafka and Elasticsearch.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipeline.bench_support import machine
from pipeline.registry import plugins

Echo = Callable[[str], None]


@dataclass
class BenchPlan:
    quick: bool = False
    only: tuple[str, ...] = ()
    stages: bool = True  # the entry-point benchmarks
    e2e: bool = False
    throughput: bool = False
    soak: int | None = None  # items; None: no soak
    soak_minutes: float | None = None  # stop the soak earlier (reports what was done)
    items: int | None = None  # per latency / throughput run
    rate: float = 200.0
    kafka: str | None = None
    es: str | None = None
    noida: bool = False  # start noida-db for the distributed mode
    workers: int = 1  # classify processes in the throughput runs

    @property
    def n(self) -> int:
        return self.items or (300 if self.quick else 4000)

    @property
    def distributed(self) -> bool:
        return bool(self.kafka or self.es or self.noida)

    @property
    def n_distributed(self) -> int:
        return min(self.n, 1000)  # noida's Kafka log grows ~7 kB a message


THROUGHPUT_MAX_S = 300.0  # a throughput run reports what it did by then


def stage_benchmarks(quick: bool, only: tuple[str, ...], echo: Echo) -> dict[str, Any]:
    """The stage packages' own benchmarks (entry points `yuqing.benchmarks`)."""
    results: dict[str, Any] = {}
    for name, entry_point in sorted(plugins("yuqing.benchmarks").items()):
        if only and name not in only:
            continue
        echo(f"== {name}")
        try:
            figures = entry_point.load()(quick)
        except Exception as exc:  # noqa: BLE001 - one broken benchmark must not stop the rest
            echo(f"benchmark {name} failed: {type(exc).__name__}: {exc}")
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        for key, value in figures.items():
            echo(f"  {key}: {json.dumps(value, ensure_ascii=False)}")
        results.update(figures)
    return results


def _on_distributed(plan: BenchPlan, echo: Echo, fn: Callable[[str, str], Any]) -> Any:
    """fn(bus, store) on the given Kafka / Elasticsearch, or on a noida-db started for it."""
    if plan.kafka or plan.es:
        return fn(plan.kafka or "sqlite", plan.es or "sqlite")
    from pipeline.bench_noida import noida_server

    with noida_server() as (kafka, es):
        echo(f"  noida-db: {kafka} {es}")
        return fn(kafka, es)


def _guarded(name: str, results: dict[str, Any], echo: Echo, fn: Callable[[], Any]) -> None:
    echo(f"== {name}")
    try:
        figures = fn()
    except Exception as exc:  # noqa: BLE001 - reported in the document, the rest goes on
        echo(f"benchmark {name} failed: {type(exc).__name__}: {exc}")
        results[name] = {"error": f"{type(exc).__name__}: {exc}"}
        return
    shown = {k: v for k, v in figures.items() if k != "samples"}
    echo(f"  {json.dumps(shown, ensure_ascii=False)}")
    results[name] = figures


def run_plan(plan: BenchPlan, echo: Echo) -> dict[str, Any]:
    """Run what the plan asks for; one JSON-able document (contracts.md: `yuqing bench`)."""
    from pipeline.bench_e2e import run_latency
    from pipeline.bench_soak import stage_rates, sustained

    results: dict[str, Any] = {}
    before = machine()
    if plan.stages:
        results.update(stage_benchmarks(plan.quick, plan.only, echo))
    n, warmup = plan.n, 100 if plan.quick else 200
    if plan.e2e:
        _guarded("e2e_embedded", results, echo,
                 lambda: run_latency(n, plan.rate, warmup=warmup))  # fmt: skip
    if plan.throughput:
        rates: dict[str, Any] = {}
        _guarded("pipeline_stages", rates, echo, lambda: stage_rates(n))
        if "error" in rates["pipeline_stages"]:
            results["pipeline_stages"] = rates["pipeline_stages"]
        for stage, figures in rates["pipeline_stages"].items():
            if stage != "error":
                results[f"pipeline_{stage}"] = figures
        _guarded("throughput_embedded", results, echo,
                 lambda: sustained(n, classify_workers=plan.workers,
                                   max_seconds=THROUGHPUT_MAX_S, echo=echo))  # fmt: skip
    # A fresh noida-db for each distributed run: the stages' consumer groups have fixed
    # names, so a backlog left on the broker by one run would be read first by the next.
    if plan.e2e and plan.distributed:
        _guarded("e2e_distributed", results, echo, lambda: _on_distributed(
            plan, echo, lambda bus, store: run_latency(plan.n_distributed, plan.rate, bus,
                                                       store, warmup=warmup)))  # fmt: skip
    if plan.throughput and plan.distributed:
        _guarded("throughput_distributed", results, echo, lambda: _on_distributed(
            plan, echo, lambda bus, store: sustained(
                plan.n_distributed, bus, store, classify_workers=plan.workers,
                max_seconds=THROUGHPUT_MAX_S, echo=echo)))  # fmt: skip
    if plan.soak:
        _guarded("soak", results, echo,
                 lambda: sustained(plan.soak, sample_s=2.0 if plan.quick else 10.0,
                                   max_seconds=plan.soak_minutes and plan.soak_minutes * 60,
                                   classify_workers=plan.workers, echo=echo))  # fmt: skip
    results["machine"] = {**before, "loadavg_after": machine()["loadavg"]}
    return results
