"""`yuqing notify`: run the notify stage (what `yuqing run` starts for stages.notify), or
print where every delivery stands (`--status`, JSON) without sending anything: the pending
jobs, and the failed ones with why (e.g. a county without a route of its own: refused)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import click

from alerts.delivery.health import HEALTH
from alerts.delivery.jobs import DeliveryJob, JobStore
from pipeline.cli import config_options, friendly_errors, run_stage, settings_from
from pipeline.redact import redact
from pipeline.storage import open_stores

LEG_STATES = ("pending", "held", "batched", "sent", "failed")


def job_status(job: DeliveryJob, states: tuple[str, ...]) -> dict[str, object]:
    """A job and those of its legs in `states`, each with where it stands and why."""
    return {
        "message_id": job.message_id,
        "source": job.source,
        "profile": job.profile,
        "title": job.message.title,
        "legs": [
            {
                "to": leg.recipient.get("name", ""),
                "state": leg.state,
                "channel": leg.chain[leg.position] if leg.position < len(leg.chain) else "",
                "next_at": leg.next_at,
                "last_error": redact(leg.last_error),
            }
            for leg in job.legs
            if leg.state in states
        ],
    }


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
        summary = {
            "jobs": dict(Counter(job.state for job in jobs)),
            "channels_down": dict(stores.state.scan(HEALTH)),
            "pending": [job_status(job, LEG_STATES) for job in jobs if job.state == "pending"],
            "failed": [job_status(job, ("failed",)) for job in jobs if job.state == "failed"],
        }
    finally:
        stores.close()
    click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
