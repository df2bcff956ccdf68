"""`yuqing report daily|weekly|monthly|case ID [--data DIR] [--out DIR]`: writes the report as
a Word document and as HTML (same tables, same chart) and prints the two paths."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.cli import EXIT_USAGE, config_options, friendly_errors
from pipeline.config import load_settings
from pipeline.models import parse_time
from pipeline.profile import load_profile
from pipeline.storage import open_stores


@click.command("report")
@click.argument("kind", type=click.Choice(["daily", "weekly", "monthly", "case"]))
@click.argument("case_id", required=False)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="Folder for the .docx and .html files.",
)
@click.option(
    "--date", "day", default=None, help="A day of the period, YYYY-MM-DD (default today)."
)
@config_options
@friendly_errors
def report(
    kind: str,
    case_id: str | None,
    out_dir: Path,
    day: str | None,
    config_path: Path | None,
    data_dir: Path | None,
) -> None:
    """舆情日报 / 周报 / 月报, or one case's report (专报): Word and HTML, with a chart."""
    from alerts.cli_support import cli_clock
    from alerts.localtime import display_local
    from alerts.reports.chart import per_day_png
    from alerts.reports.content import case_report, period_report
    from alerts.reports.writers import write_docx, write_html
    from alerts.resolver import PolicyResolver

    if (kind == "case") != bool(case_id):
        click.echo("yuqing: error: report: give a case id with `case`, and only then", err=True)
        sys.exit(EXIT_USAGE)
    now = cli_clock()()
    try:
        at = now if day is None else parse_time(f"{day}T12:00:00+08:00")
    except ValueError:
        click.echo(f"yuqing: error: report: --date {day!r}: expected YYYY-MM-DD", err=True)
        sys.exit(EXIT_USAGE)
    settings = load_settings(config_path, data_dir)
    base = settings.source.parent if settings.source else None
    directory = load_profile(settings.profile, base)
    stores = open_stores(settings)
    try:
        if kind == "case":
            case = stores.cases.get(case_id or "")
            if case is None:
                click.echo(f"yuqing: error: report: no case {case_id}", err=True)
                sys.exit(EXIT_USAGE)
            content = case_report(case, directory.jurisdiction, now)
            name = f"yuqing-case-{case.case_id}"
        else:
            policy = PolicyResolver.from_settings(settings).policy_for(settings.profile)
            ack_hours = policy.option("accountability").acknowledge_within_hours
            content = period_report(
                stores,
                kind,  # type: ignore[arg-type]
                at,
                now,
                directory.jurisdiction,
                policy.timezone,
                ack_hours,
            )
            name = f"yuqing-{kind}-{display_local(content.start)[:10]}"
    finally:
        stores.close()
    chart = per_day_png(content.per_day, "每日相关信息量（按类别）") if content.per_day else None
    out_dir.mkdir(parents=True, exist_ok=True)
    issued = f"{display_local(now)} 编制"
    docx = write_docx(content, chart, out_dir / f"{name}.docx", issued)
    html = write_html(content, chart, out_dir / f"{name}.html", issued)
    click.echo(str(docx))
    click.echo(str(html))
