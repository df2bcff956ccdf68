"""`yuqing demo`: serve the bundled demo sites, run every stage over them, summarise.

Each stage runs as its own `yuqing STAGE --once` subprocess: the same code path as
`yuqing run` and the distributed mode, only stopping when its input is drained.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import click

from pipeline.config import ConfigError, Settings, load_settings
from pipeline.models import Case, parse_time
from pipeline.registry import load_object, plugins
from pipeline.storage import open_stores
from pipeline.storage.base import CaseQuery, ItemQuery

CATEGORY_NAMES = {
    "policy_misread": "政策误解误读",
    "public_interest": "公众切身利益",
    "moral_bottom_line": "冲击社会道德底线",
    "emergency": "突发事件与自然灾害",
    "rumor": "造谣传谣",
}


def run_stage_process(settings: Settings, stage: str, env: dict[str, str]) -> None:
    argv = [sys.executable, "-m", "pipeline.cli", stage, "--once", "--data", str(settings.data_dir)]
    if settings.source:
        argv += ["--config", str(settings.source)]
    started = time.monotonic()
    result = subprocess.run(argv, env=env)
    if result.returncode != 0:
        raise ConfigError(f"demo: stage {stage} failed with exit code {result.returncode}")
    click.echo(f"  {stage:<9} done in {time.monotonic() - started:.1f}s", err=True)


def summarise(settings: Settings) -> dict[str, Any]:
    stores = open_stores(settings)
    try:
        stores.items.refresh()  # the stage processes' last writes, for the counts below
        every = stores.cases.list(CaseQuery(limit=100_000))
        cases = [c for c in every if not _merged_away(c)]
        by_category = Counter(c for case in cases for c in case.categories)
        by_department = Counter(case.lead_department.name for case in cases if case.lead_department)
        clocks = Counter(clock.state for case in cases for clock in case.clocks)
        statuses = Counter(case.status if case.confirmed_at is None or case.status != "new"
                           else "confirmed" for case in cases)  # fmt: skip
        return {
            "data_dir": str(settings.data_dir),
            "items": stores.items.count(),
            "items_relevant": stores.items.count(ItemQuery(relevant=True)),
            "cases": len(cases),
            "cases_merged": len(every) - len(cases),
            "cases_by_category": dict(by_category.most_common()),
            "cases_by_lead_department": dict(by_department.most_common()),
            "clocks": dict(clocks),
            "cases_by_status": dict(statuses),
            "findings": len(stores.findings.list(limit=10_000)),
            "alerts": sum(
                1 for case in cases for entry in case.timeline if entry.what.startswith("alert")
            ),
            "next_due": sorted(
                (
                    {"case": case.title[:30], "clock": clock.name, "due_at": clock.due_at}
                    for case in cases
                    for clock in case.clocks
                    if clock.state == "running"
                ),
                key=lambda d: parse_time(d["due_at"]),
            )[:5],
        }
    finally:
        stores.close()


def _merged_away(case: Case) -> bool:
    """A case merged into another one of the same event (dismissed "merged into X")."""
    return case.status == "dismissed" and (case.dismissed_reason or "").startswith("merged into")


def play_demo_steps(settings: Settings) -> list[str]:
    """Workflow steps the stage packages play for the demo (entry points `yuqing.demo`)."""
    lines: list[str] = []
    for _, entry_point in sorted(plugins("yuqing.demo").items()):
        lines += entry_point.load()(settings)
    return lines


def print_summary(summary: dict[str, Any]) -> None:
    echo = click.echo
    echo("")
    echo("定安县舆情监测演示 / Yuqing demo summary")
    echo(f"  采集条目 items crawled and scored: {summary['items']}")
    echo(f"  相关条目 relevant to the jurisdiction: {summary['items_relevant']}")
    echo(f"  立案 cases opened: {summary['cases']}")
    if summary.get("cases_merged"):
        echo(f"    另有 {summary['cases_merged']} 起经查为同一事件，已合并 (merged as one event)")
    for code, n in summary["cases_by_category"].items():
        echo(f"    {CATEGORY_NAMES.get(code, code)} ({code}): {n}")
    echo("  牵头部门 cases by lead department:")
    for name, n in summary["cases_by_lead_department"].items():
        echo(f"    {name}: {n}")
    echo(f"  时限 clocks: {summary['clocks']}")
    echo(f"  状态 cases by status: {summary['cases_by_status']}")
    for line in summary.get("played", []):
        echo(f"    演示操作 demo step: {line}")
    echo(f"  发现 findings: {summary['findings']}")
    for due in summary["next_due"]:
        echo(f"    next due: {due['due_at']}  {due['clock']}  {due['case']}")
    echo(f"  state kept in {summary['data_dir']}")


def run_demo(
    config_path: Path | None,
    data_dir: Path | None,
    serve: bool = False,
    print_json: bool = False,
) -> dict[str, Any]:
    if data_dir is None:
        data_dir = Path(tempfile.mkdtemp(prefix="yuqing-demo-"))
    settings = load_settings(config_path, data_dir)
    serve_sites = load_object(settings.demo_sites, f"{settings.source}: demo_sites")
    try:
        server = serve_sites(port=settings.demo_port)
    except OSError:
        click.echo(f"port {settings.demo_port} is busy; the demo sites take a free port", err=True)
        server = serve_sites(port=0)
    with server as sites:
        env = {**os.environ, "YUQING_DEMO_URL": sites.base_url}
        click.echo(f"demo sites on {sites.base_url}; data in {settings.data_dir}", err=True)
        for stage in settings.demo_stages:
            run_stage_process(settings, stage, env)
        played = play_demo_steps(settings)
        summary = summarise(settings)
        summary["played"] = played
        if not print_json:
            print_summary(summary)
        if serve:
            serve_dashboard(settings, env)
    return summary


DEMO_USERS = (
    ("admin", "admin", None, "管理员"),
    ("monitor", "monitor", None, "新闻办监测员"),
    ("leader", "leader", None, "分管领导"),
    ("water", "officer", "water", "县水务局承办人"),
)
DEMO_PASSWORD = "dingan-demo"


def serve_dashboard(settings: Settings, env: dict[str, str]) -> None:
    """Create the demo users and keep the dashboard (and the demo sites) up until Ctrl-C."""
    base = [sys.executable, "-m", "pipeline.cli"]
    where = ["--data", str(settings.data_dir)]
    if settings.source:
        where += ["--config", str(settings.source)]
    for name, role, department, _ in DEMO_USERS:
        argv = [*base, "users", "add", name, "--role", role, *where]
        if department:
            argv += ["--department", department]
        subprocess.run(argv, input=DEMO_PASSWORD, text=True, env=env, capture_output=True)
    web = subprocess.Popen([*base, "web", *where], env=env)
    url = f"http://{settings.web.host}:{settings.web.port}/"
    click.echo(f"\n仪表盘 dashboard: {url}  (Ctrl-C to stop)")
    for name, _, _, label in DEMO_USERS:
        click.echo(f"  {label}: {name} / {DEMO_PASSWORD}")
    try:
        web.wait()
    except KeyboardInterrupt:
        web.terminate()
        web.wait(10)
