"""`yuqing stats`: the accountability figures (考核, 通报) per department for a week or a
month, and the news office's own detection-to-confirmation times (accountability.py)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

from alerts.accountability import AccountabilityReport, Period, accountability
from alerts.cli_support import cli_clock, one_line
from alerts.localtime import display_local
from pipeline.cli import EXIT_USAGE, config_options
from pipeline.config import ConfigError, load_settings
from pipeline.models import parse_time
from pipeline.storage import CaseQuery, StoreError, open_stores

HEADERS = (
    "部门",
    "接收",
    "已研判",
    "按时签收",
    "按时回应",
    "超时回应",
    "未回应",
    "待回应",
    "回应中位(小时)",
)


def _hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def render(report: AccountabilityReport) -> str:
    lines = [f"舆情回应考核 {display_local(report.start)} 至 {display_local(report.end)}（不含）"]
    lines.append("  ".join(HEADERS))
    for r in report.departments:
        cells = (
            r.name,
            r.received,
            r.confirmed,
            r.acknowledged_on_time,
            r.answered_on_time,
            r.late,
            r.missing,
            r.pending,
            _hours(r.median_answer_hours),
        )
        lines.append("  ".join(str(c) for c in cells))
    if not report.departments:
        lines.append("（本期无交办案件）")
    o = report.office
    lines.append(
        f"新闻办: 发现 {o.cases} 件，已研判 {o.confirmed}，未研判 {o.unconfirmed}，排除 {o.dismissed}；"
        f"发现→研判 中位 {_hours(o.median_confirm_hours)} 小时，最长 {_hours(o.max_confirm_hours)}"
        f" 小时；报告领导 按时 {o.report_up_met}，超期 {o.report_up_breached}"
    )
    return "\n".join(lines)


@click.command("stats")
@click.option("--period", type=click.Choice(["week", "month"]), default="week", show_default=True)
@click.option("--at", "at", default=None, help="A day of the period (ISO 8601; default today).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@config_options
def stats(
    period: Period, at: str | None, as_json: bool, config_path: Path | None, data_dir: Path | None
) -> None:
    """考核: per department — received, confirmed, acknowledged and answered on time, late,
    missing, median time to answer — and the office's detection-to-confirmation times."""
    from alerts.resolver import PolicyResolver

    now = cli_clock()()
    try:
        when: datetime = (
            now if at is None else parse_time(at if "T" in at else f"{at}T12:00:00+08:00")
        )
        settings = load_settings(config_path, data_dir)
        policy = PolicyResolver.from_settings(settings).policy_for(settings.profile)
        ack_hours = policy.option("accountability").acknowledge_within_hours
        stores = open_stores(settings)
        try:
            found = stores.cases.list(CaseQuery(limit=1_000_000))
        finally:
            stores.close()
    except (ConfigError, StoreError, ValueError) as exc:
        click.echo(f"yuqing: error: stats: {one_line(str(exc))}", err=True)
        raise SystemExit(EXIT_USAGE) from None
    report = accountability(found, period, when, now, ack_hours, policy.timezone)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render(report))
