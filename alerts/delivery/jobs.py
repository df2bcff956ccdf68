"""Delivery jobs: one message, its recipients' channel chains ("legs"), and where each stands.

A job lives in the state store (namespace "delivery", keyed by the stable message id), so a
restart keeps the schedule (each leg's next attempt time), and a crash between a channel's
accept and the write below only ever resends the same message id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from alerts.channels import ChannelMessage
from pipeline.models import parse_time
from pipeline.storage.base import StateStore

JOBS = "delivery"
LegState = Literal["pending", "held", "batched", "sent", "failed"]
JobState = Literal["pending", "sent", "failed"]
OPEN_LEG_STATES = ("pending", "held", "batched")


class Leg(BaseModel):
    """One recipient reached through one chain of channels (the next when one is down)."""

    key: str  # "role:code#chain"
    recipient: dict[str, str]
    chain: list[str]
    position: int = 0  # index of the channel being tried
    attempts: int = 0  # failed attempts on that channel
    tries: int = 0  # sends so far over all channels (the attempt header)
    rounds: int = 0  # times the whole chain failed and was started again
    next_at: str  # ISO time of the next attempt
    state: LegState = "pending"
    channel: str = ""  # the channel that accepted
    batch: str = ""  # the update message that carries this leg (coalescing)
    last_error: str = ""
    history: list[str] = Field(default_factory=list)

    def due(self, now: datetime) -> bool:
        return self.state in ("pending", "held") and parse_time(self.next_at) <= now

    def note(self, text: str) -> None:
        self.history = [*self.history[-19:], text]


class DeliveryJob(BaseModel):
    message_id: str
    source: Literal["notice", "finding", "digest", "update"]
    thread: str = ""  # notices of one thread (case) coalesce; "" never
    message: ChannelMessage
    legs: list[Leg]
    created_at: str
    state: JobState = "pending"
    done_at: str = ""
    notice_kind: str = ""  # for notices: reminder, escalation, report_up, …
    case_id: str = ""
    profile: str = ""  # whose routes reach its legs (counties.py); "" the plain ones
    members: list[list[str]] = Field(default_factory=list)  # update jobs: [message_id, leg]
    delivered: list[str] = Field(default_factory=list)  # "channel|addresses" that accepted

    def leg(self, key: str) -> Leg | None:
        return next((leg for leg in self.legs if leg.key == key), None)

    @property
    def finished(self) -> bool:
        return all(leg.state in ("sent", "failed") for leg in self.legs)


class JobStore:
    """The delivery jobs in the state store."""

    def __init__(self, state: StateStore):
        self.state = state

    def get(self, message_id: str) -> DeliveryJob | None:
        raw = self.state.get(JOBS, message_id)
        return DeliveryJob.model_validate(raw) if raw is not None else None

    def add(self, job: DeliveryJob) -> DeliveryJob:
        """Store a new job unless its id is known; returns the stored one (idempotent)."""
        stored = self.state.put_if_absent(JOBS, job.message_id, job.model_dump(mode="json"))
        return DeliveryJob.model_validate(stored)

    def save(self, job: DeliveryJob, expires_at: float | None = None) -> None:
        self.state.put(JOBS, job.message_id, job.model_dump(mode="json"), expires_at)

    def pending(self, limit: int = 10_000) -> list[DeliveryJob]:
        found = [
            DeliveryJob.model_validate(value)
            for _, value in self.state.scan(JOBS, limit=limit)
            if value.get("state") == "pending"
        ]
        return sorted(found, key=lambda j: (j.created_at, j.message_id))

    def all(self, limit: int = 10_000) -> list[DeliveryJob]:
        return [DeliveryJob.model_validate(v) for _, v in self.state.scan(JOBS, limit=limit)]
