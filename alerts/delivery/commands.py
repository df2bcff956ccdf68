"""`yuqing notify`: run the notify stage (what `yuqing run` starts for stages.notify), or
print where every delivery stands (`--status`, JSON) without sending anything: the pending
jobs, and the failed ones with why (e.g. a county without a route of its own: refused)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from alerts.delivery.health import HEALTH
from alerts.delivery.jobs import JobStore
from alerts.delivery.status import delivery_summary
from pipeline.cli import config_options, friendly_errors, run_stage, settings_from
from pipeline.storage import open_stores


@click.command("notify")
@click.option("--once", is_flag=True, help="Deliver what is due, then exit.")
@click.option("--status", is_flag=True, help="Print the delivery jobs as JSON; send nothing.")
@config_options
@friendly_errors
def notify(config_path: Path | None, data_dir: Path | None, once: bool, status: bool) -> None:
    """Run the notify stage: outbox notices, findings and daily digests to their channels."""
    settings = settings_from(config_path, data_dir)
    if not status:
        run_stage(settings, "notify", once=once)
        return
    stores = open_stores(settings)
    try:
        jobs = JobStore(stores.state).all()
        summary = delivery_summary(jobs, dict(stores.state.scan(HEALTH)))
    finally:
        stores.close()
    click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
