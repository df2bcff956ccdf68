"""Where every delivery stands, as `yuqing notify --status` prints it and the dashboard's
通知送达 page shows it: the pending jobs and the failed ones, each leg with why — refused (a
county without a route of its own: never tried, never sent elsewhere) or given up (every
channel tried until `give_up_after_h`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from alerts.delivery.jobs import DeliveryJob, Leg
from pipeline.redact import redact

LEG_STATES = ("pending", "held", "batched", "sent", "failed")
LEG_LABELS = {
    "pending": "待发送",
    "held": "合并等待",
    "batched": "已并入更新",
    "sent": "已送达",
    "failed": "未送达",
    "refused": "拒发（无本辖区通道）",
}
SOURCE_LABELS = {
    "notice": "案件通知",
    "finding": "系统发现",
    "digest": "每日汇总",
    "update": "合并更新",
}


def refused(leg: Leg) -> bool:
    """A leg failed at once for want of a route (no chain): nothing was ever tried."""
    return leg.state == "failed" and not leg.chain


def leg_status(leg: Leg) -> dict[str, object]:
    """One leg: to whom, where it stands, through which channel, and why (secrets masked)."""
    shown = "refused" if refused(leg) else leg.state
    return {
        "to": leg.recipient.get("name", ""),
        "state": leg.state,
        "state_label": LEG_LABELS[shown],
        "refused": refused(leg),
        "channel": leg.chain[leg.position] if leg.position < len(leg.chain) else "",
        "next_at": leg.next_at,
        "tries": leg.tries,
        "last_error": redact(leg.last_error),
    }


def job_status(job: DeliveryJob, states: tuple[str, ...] = LEG_STATES) -> dict[str, object]:
    """A job and those of its legs in `states`, each with where it stands and why."""
    return {
        "message_id": job.message_id,
        "source": job.source,
        "profile": job.profile,
        "title": job.message.title,
        "created_at": job.created_at,
        "state": job.state,
        "legs": [leg_status(leg) for leg in job.legs if leg.state in states],
    }


def delivery_summary(jobs: Iterable[DeliveryJob], channels_down: dict) -> dict[str, object]:
    """The counts by state, the channels marked down, the pending and the failed jobs."""
    jobs = list(jobs)
    return {
        "jobs": dict(Counter(job.state for job in jobs)),
        "channels_down": channels_down,
        "pending": [job_status(job) for job in jobs if job.state == "pending"],
        "failed": [job_status(job, ("failed",)) for job in jobs if job.state == "failed"],
    }


def job_profile(job: DeliveryJob, default: str) -> str:
    """The profile a job belongs to: its routing profile, "" being the default one."""
    return job.profile or default
