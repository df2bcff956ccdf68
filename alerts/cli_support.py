"""What every `yuqing cases …` step command shares: opening the desk from --config/--data,
the actor (--as), the clock, and turning errors into one line and exit code 2.
"""

from __future__ import annotations

import functools
import getpass
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from alerts.casework import CaseDesk, summary
from alerts.status import WorkflowError
from alerts.steps import StepContext
from pipeline.cli import EXIT_USAGE, config_options
from pipeline.config import ConfigError, load_settings
from pipeline.models import Case, now_utc
from pipeline.storage import StoreError, open_stores


def default_actor() -> str:
    try:
        return os.environ.get("YUQING_ACTOR") or getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def cli_clock() -> Callable[[], datetime]:
    """The clock of this invocation: ctx.obj["clock"] when a test gives one, else now."""
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    return obj.get("clock", now_utc) if isinstance(obj, dict) else now_utc


@contextmanager
def open_desk(config_path: Path | None, data_dir: Path | None) -> Iterator[CaseDesk]:
    settings = load_settings(config_path, data_dir)
    stores = open_stores(settings)
    try:
        yield CaseDesk(stores, settings, cli_clock())
    finally:
        stores.close()


def run_step(
    config_path: Path | None,
    data_dir: Path | None,
    case_id: str,
    step: str,
    actor: str,
    do: Callable[[Case, StepContext], Case],
) -> Case:
    """One workflow step on a stored case, as the case commands run it; the stored case."""
    with open_desk(config_path, data_dir) as desk:
        return desk.run(case_id, step, actor, do)


def one_line(text: str) -> str:
    return "; ".join(line.strip() for line in str(text).splitlines() if line.strip())


def step_command(step: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--as, --json, --config, --data, and errors as "yuqing: error: case X: step: 原因 [code]"."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            case_id = kwargs.get("case_id", "-")
            try:
                return fn(*args, **kwargs)
            except WorkflowError as exc:  # the Chinese reason, then its code for scripts
                message = f"{exc} [{exc.code}]"
            except (ConfigError, StoreError) as exc:
                message = f"case {case_id}: {step}: {one_line(str(exc))}"
            click.echo(f"yuqing: error: {one_line(message)}", err=True)
            sys.exit(EXIT_USAGE)

        wrapper = click.option("--json", "as_json", is_flag=True, help="Print JSON.")(wrapper)
        wrapper = click.option(
            "--as",
            "actor",
            default=default_actor,
            show_default="$YUQING_ACTOR or the login name",
            help="Who does the step (recorded on the timeline).",
        )(wrapper)
        return config_options(wrapper)

    return decorate


def echo_case(case: Case, as_json: bool, text: str) -> None:
    """A step's result: one Chinese line for people, the case summary for scripts."""
    if as_json:
        click.echo(json.dumps(summary(case), ensure_ascii=False, indent=2))
    else:
        click.echo(text)
