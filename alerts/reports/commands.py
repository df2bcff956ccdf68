"""`yuqing report daily|weekly|monthly [--profile P]…|case ID [--out DIR] [--date D] [--as NAME]`:
writes the report as a Word document and as HTML (same tables, same chart), prints the two
paths, and registers it as a draft for review — one per jurisdiction profile (scope.py); `list`, `show`, `review`, `approve`, `reject` and `send`
(flow_commands.py) take it through 负责人审核 and 领导审核把关 to the leaders.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from alerts.cli_support import cli_clock, default_actor
from alerts.reports.store import ReportBook
from alerts.reports.workflow import ReportError
from alerts.web.users import UserDirectory
from pipeline.cli import EXIT_USAGE, config_options, friendly_errors
from pipeline.config import Settings, load_settings
from pipeline.models import parse_time
from pipeline.storage import open_stores
from pipeline.storage.base import Stores


@dataclass
class Desk:
    """What a report command works on: settings, stores, the report book, the accounts."""

    settings: Settings
    stores: Stores
    book: ReportBook
    users: UserDirectory
    now: datetime


@contextmanager
def open_reports(config_path: Path | None, data_dir: Path | None) -> Iterator[Desk]:
    settings = load_settings(config_path, data_dir)
    stores = open_stores(settings)
    try:
        book, users = ReportBook(stores.state), UserDirectory(stores.state)
        yield Desk(settings, stores, book, users, cli_clock()())
    finally:
        stores.close()


def report_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A refused step → one line "yuqing: error: report ID: step: why" and exit 2."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ReportError as exc:
            click.echo(f"yuqing: error: {exc}", err=True)
            sys.exit(EXIT_USAGE)

    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    return friendly_errors(wrapper)


def actor_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--as",
        "actor",
        default=default_actor,
        show_default="$YUQING_ACTOR or the login name",
        help="Who takes the step: a dashboard user (their role is checked), recorded.",
    )(fn)


@click.group("report")
def report() -> None:
    """舆情日报 / 周报 / 月报 / 专报: write, review, approve and send (领导审核把关)."""


def _draft(
    kind: str,
    case_id: str | None,
    out_dir: Path,
    day: str | None,
    actor: str,
    config_path: Path | None,
    data_dir: Path | None,
    profiles: tuple[str, ...] = (),
) -> None:
    """Draft the report of each profile in `profiles` (none: every one, scope.py); a 专报
    belongs to its case's profile."""
    from alerts.reports.drafting import draft_report
    from alerts.reports.scope import known, report_scope
    from alerts.reports.workflow import resolve_actor

    with open_reports(config_path, data_dir) as desk:
        try:
            at = desk.now if day is None else parse_time(f"{day}T12:00:00+08:00")
        except ValueError:
            click.echo(f"yuqing: error: report: --date {day!r}: expected YYYY-MM-DD", err=True)
            sys.exit(EXIT_USAGE)
        who = resolve_actor(desk.users, actor)
        names = [None] if kind == "case" else list(profiles or known(desk.settings))
        for name in names:
            if name is not None:
                report_scope(desk.settings, name)  # an unknown name is refused before any file
        for name in names:
            drafted = draft_report(
                desk.book,
                desk.stores,
                desk.settings,
                kind,
                case_id,
                at,
                desk.now,
                out_dir,
                who,
                profile=name,
            )
            click.echo(str(drafted.docx))
            click.echo(str(drafted.html))
            click.echo(f"报告 {drafted.record.report_id} 已登记为草稿，待负责人审核", err=True)


def draft_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("reports"),
        show_default=True,
        help="Folder for the .docx and .html files.",
    )(fn)
    fn = actor_option(fn)
    return config_options(fn)


def _period_command(kind: str, title: str) -> click.Command:
    @click.option(
        "--date", "day", default=None, help="A day of the period, YYYY-MM-DD (default today)."
    )
    @click.option(
        "--profile",
        "profiles",
        multiple=True,
        help="The jurisdiction profile whose report it is (repeatable; default: one report "
        "for each monitored profile, then the superior's roll-up when one is configured).",
    )
    @draft_options
    @report_errors
    def command(
        out_dir: Path,
        day: str | None,
        profiles: tuple[str, ...],
        actor: str,
        config_path: Path | None,
        data_dir: Path | None,
    ) -> None:
        _draft(kind, None, out_dir, day, actor, config_path, data_dir, profiles)

    command.__doc__ = f"{title}: Word and HTML with a chart, registered as a draft."
    return click.command(kind)(command)


for _kind, _title in (("daily", "舆情日报"), ("weekly", "舆情周报"), ("monthly", "舆情月报")):
    report.add_command(_period_command(_kind, _title))


@report.command("case")
@click.argument("case_id")
@draft_options
@report_errors
def case_report_command(
    case_id: str, out_dir: Path, actor: str, config_path: Path | None, data_dir: Path | None
) -> None:
    """One case's report (专报): its departments, clocks, answers and timeline."""
    _draft("case", case_id, out_dir, None, actor, config_path, data_dir)


def _register_flow() -> None:
    from alerts.reports.flow_commands import FLOW_COMMANDS

    for command in FLOW_COMMANDS:
        report.add_command(command)


_register_flow()
