"""`yuqing cases …`: look at the cases from the command line (entry point `cases`).

`list --json` prints the Case records of contracts.md (clocks included) as one JSON array;
without --json, a table for people: 标题, 类别, 镇, 牵头部门, 状态, 下一时限 (Asia/Shanghai).
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import click

from alerts.clocks import next_due
from alerts.labels import CLOCK_LABELS, categories_text
from alerts.localtime import display_local
from alerts.status import STATUS_LABELS
from pipeline.cli import config_options, friendly_errors
from pipeline.config import load_settings
from pipeline.models import Case
from pipeline.storage import CaseQuery, open_stores

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
