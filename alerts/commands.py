"""`yuqing cases …` (entry point `cases`) and `yuqing stats` (entry point `stats`).

`list --json` prints the Case records of contracts.md (clocks included) as one JSON array;
without --json, a table for people: 标题, 类别, 镇, 牵头部门, 状态, 下一时限 (Asia/Shanghai).
`show` prints one case; the workflow steps are in case_commands.py, stats in stats_command.py.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import click

from alerts.case_commands import STEP_COMMANDS
from alerts.case_response_commands import RESPONSE_COMMANDS
from alerts.case_view import render_case
from alerts.cli_support import open_desk, step_command
from alerts.clocks import next_due
from alerts.labels import CLOCK_LABELS, categories_text
from alerts.localtime import display_local
from alerts.stats_command import stats
from alerts.status import STATUS_LABELS
from pipeline.cli import config_options, friendly_errors
from pipeline.config import load_settings
from pipeline.models import Case
from pipeline.storage import CaseQuery, open_stores

__all__ = ["cases", "stats"]

COLUMNS = ("标题", "类别", "镇", "牵头部门", "状态", "下一时限")
WIDTHS = (36, 16, 8, 14, 8, 28)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(text: str, width: int) -> str:
    """Cut and pad to a display width (CJK characters are two columns wide)."""
    out = ""
    for ch in text:
        if _width(out + ch) > width - (1 if _width(text) > width else 0):
            out += "…"
            break
        out += ch
    return out + " " * max(0, width - _width(out))


def case_row(case: Case) -> tuple[str, ...]:
    town = case.jurisdiction.name if case.jurisdiction.level == "town" else "—"
    lead = case.lead_department.name if case.lead_department else "—"
    clock = next_due(case)
    label = CLOCK_LABELS.get(clock.name, clock.name) if clock else ""
    due = f"{display_local(clock.due_at)} {label}" if clock else "—"
    status = STATUS_LABELS.get(case.status, case.status)
    return (case.title, categories_text(case.categories), town, lead, status, due)


def render_table(cases: list[Case]) -> str:
    lines = ["  ".join(_cell(h, w) for h, w in zip(COLUMNS, WIDTHS, strict=True)).rstrip()]
    for case in cases:
        cells = case_row(case)
        lines.append("  ".join(_cell(c, w) for c, w in zip(cells, WIDTHS, strict=True)).rstrip())
    lines.append(f"共 {len(cases)} 件")
    return "\n".join(lines)


@click.group("cases")
def cases() -> None:
    """Cases (舆情事件): one per event, with departments, clocks and timeline."""


@cases.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the cases as a JSON array.")
@click.option("--status", "statuses", multiple=True, help="Only these statuses (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), default=10_000, show_default=True)
@config_options
@friendly_errors
def list_cases(
    as_json: bool,
    statuses: tuple[str, ...],
    limit: int,
    config_path: Path | None,
    data_dir: Path | None,
) -> None:
    """List the cases, newest first."""
    settings = load_settings(config_path, data_dir)
    stores = open_stores(settings)
    try:
        found = stores.cases.list(CaseQuery(statuses=statuses, limit=limit))
    finally:
        stores.close()
    if as_json:
        click.echo(json.dumps([c.to_dict() for c in found], ensure_ascii=False, indent=2))
    else:
        click.echo(render_table(found))


@cases.command("show")
@click.argument("case_id")
@step_command("show")
def show_case(
    case_id: str, config_path: Path | None, data_dir: Path | None, actor: str, as_json: bool
) -> None:
    """Show one case: fields, clocks, responses and the whole timeline."""
    with open_desk(config_path, data_dir) as desk:
        case = desk.get(case_id)
    if as_json:
        click.echo(json.dumps(case.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_case(case))


for _command in (*STEP_COMMANDS, *RESPONSE_COMMANDS):
    cases.add_command(_command)
