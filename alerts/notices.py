"""Notices: what a person must be told about a case (reminder, escalation, report up, …).

Every notice is first a case timeline entry whose `what` starts with "alert" and whose detail
holds the notice (kind, recipients, message id). The outbox — the state store namespace
"outbox", keyed by the stable message id hash(case_id, clock, marker) — is filled from those
entries, so a replay or a retried write never sends twice; the notification channels pick
pending notices up from there.

Recipients come named (leaders, report contacts) from recipients.resolve; the text a person
reads names them as the recipients do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from alerts.localtime import iso_local
from pipeline.models import Case, TimelineEntry
from pipeline.storage.base import StateStore

OUTBOX = "outbox"
OUTBOX_PENDING = "outbox.pending"
SYSTEM = "system"
NoticeKind = Literal["reminder", "escalation", "report_up", "assignment", "recurrence", "meeting"]


def message_id(case_id: str, clock: str, marker: str) -> str:
    """Stable id of a notice: the same case, clock and rung/reminder give the same id."""
    digest = hashlib.sha256(f"{case_id}\x00{clock}\x00{marker}".encode()).hexdigest()[:24]
    return f"ntc-{digest}"


class Notice(BaseModel):
    """One message for the notification channels (the outbox record)."""

    message_id: str
    kind: NoticeKind
    case_id: str
    case_title: str
    profile: str
    clock: str = ""  # the clock it is about ("" when none)
    marker: str  # which reminder / rung / occasion, e.g. "80%", "rung-2", "opened"
    recipients: list[dict[str, str]] = Field(default_factory=list)
    text: str  # what people read (Chinese), the timeline's `what`
    created_at: str
    state: Literal["pending", "sent", "failed"] = "pending"


def alert_entry(
    case: Case,
    kind: NoticeKind,
    marker: str,
    text: str,
    recipients: list[dict[str, str]],
    now: datetime,
    clock: str = "",
    actor: str = SYSTEM,
    **detail: Any,
) -> TimelineEntry:
    """A timeline entry that carries a notice: `what` starts with "alert"."""
    mid = message_id(case.case_id, clock, marker)
    return TimelineEntry(
        at=iso_local(now),
        actor=actor,
        what=f"alert {text}",
        detail={
            "event": kind,
            "clock": clock,
            "marker": marker,
            "recipients": recipients,
            "message_id": mid,
            **detail,
        },
    )


def has_alert(case: Case, clock: str, marker: str) -> bool:
    mid = message_id(case.case_id, clock, marker)
    return any(e.detail.get("message_id") == mid for e in case.timeline)


def notices_in(case: Case) -> list[Notice]:
    """The notices a case's timeline calls for."""
    found: list[Notice] = []
    for entry in case.timeline:
        mid = entry.detail.get("message_id")
        if not mid or not entry.what.startswith("alert"):
            continue
        found.append(
            Notice(
                message_id=mid,
                kind=entry.detail["event"],
                case_id=case.case_id,
                case_title=case.title,
                profile=case.profile,
                clock=entry.detail.get("clock", ""),
                marker=entry.detail.get("marker", ""),
                recipients=list(entry.detail.get("recipients", [])),
                text=entry.what,
                created_at=entry.at,
            )
        )
    return found


class Outbox:
    """The notification outbox in the state store; writing a notice twice keeps the first.

    Pending notices are also indexed in their own namespace, so finding them costs what is
    pending, not everything ever sent."""

    def __init__(self, state: StateStore):
        self.state = state

    def put(self, notices: Iterable[Notice]) -> list[str]:
        """Store the notices not yet in the outbox; returns the ids that were new."""
        added: list[str] = []
        notices = list(notices)
        known = self.state.get_many(OUTBOX, [n.message_id for n in notices])  # one query
        for notice in notices:
            if notice.message_id in known:
                continue
            # Index first: a crash between the two writes leaves an index entry whose notice
            # is written on the replay, never a pending notice nobody will look for.
            self.state.put(OUTBOX_PENDING, notice.message_id, True)
            stored = self.state.put_if_absent(OUTBOX, notice.message_id, notice.model_dump())
            if stored.get("state", "pending") != "pending":
                self.state.delete(OUTBOX_PENDING, notice.message_id)
            added.append(notice.message_id)
        return added

    def mark(self, message_id: str, state: str) -> None:
        """Record a notice's delivery state; one that is no longer pending leaves the index."""
        raw = self.state.get(OUTBOX, message_id)
        if raw is not None and raw.get("state") != state:
            self.state.put(OUTBOX, message_id, {**raw, "state": state})
        if state != "pending":
            self.state.delete(OUTBOX_PENDING, message_id)

    def put_case(self, case: Case) -> list[str]:
        return self.put(notices_in(case))

    def pending(self, limit: int = 10_000) -> list[Notice]:
        ids = [key for key, _ in self.state.scan(OUTBOX_PENDING, limit=limit)]
        found = self.state.get_many(OUTBOX, ids)
        return [
            Notice.model_validate(found[i])
            for i in ids
            if i in found and found[i].get("state") == "pending"
        ]
