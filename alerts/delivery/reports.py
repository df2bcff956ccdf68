"""After delivery: the report to leaders (呈报) delivered is a case event (`report_delivered`,
alerts/events.py) that meets the `report_up` clock, so the notify stage writes it on the
case timeline once its report-up notice reached every recipient.
"""

from __future__ import annotations

from datetime import datetime

from alerts.delivery.jobs import DeliveryJob
from alerts.escalation import save_with_retry
from alerts.localtime import iso_local
from pipeline.models import Case, TimelineEntry
from pipeline.storage.base import CaseStore

ACTOR = "notify"


def record_report_delivered(cases: CaseStore, job: DeliveryJob, now: datetime) -> Case | None:
    """Append the `report_delivered` entry once (idempotent by the message id)."""
    to = "、".join(dict.fromkeys(leg.recipient.get("name", "") for leg in job.legs)) or "—"
    via = sorted({leg.channel for leg in job.legs if leg.channel})

    def mutate(case: Case) -> Case | None:
        for entry in case.timeline:
            if (
                entry.detail.get("event") == "report_delivered"
                and entry.detail.get("message_id") == job.message_id
            ):
                return None
        entry = TimelineEntry(
            at=iso_local(now),
            actor=ACTOR,
            # not "alert …": this entry reports a delivery, it is not a new notice
            what=f"报送领导: {to}（自动通知已送达，经 {'、'.join(via) or '—'}）",
            detail={
                "event": "report_delivered",
                "message_id": job.message_id,
                "to": to,
                "channels": via,
            },
        )
        return case.model_copy(update={"timeline": [*case.timeline, entry]})

    return save_with_retry(cases, job.case_id, mutate, lean=True)  # the ids stay in the store
