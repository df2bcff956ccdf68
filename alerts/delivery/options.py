"""The notify stage's options (stages.notify in the config): channels, who gets what through
which channel, retry and back-off, coalescing, the daily digest and the findings.

Channel entries are checked by their own channel class (alerts/channels/), so a mistake is
reported as `stages.notify.channels.NAME.KEY`; secrets are given as env var names.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from alerts.channels import build_channel
from alerts.policy_options import RecipientRole
from pipeline.config import ConfigError

Chain = list[str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RetryPolicy(_Strict):
    """Exponential back-off per channel, then fall back to the recipient's next channel."""

    first_s: float = Field(default=30.0, gt=0)
    factor: float = Field(default=2.0, ge=1)
    max_s: float = Field(default=3600.0, gt=0)
    attempts_per_channel: int = Field(default=5, ge=1, le=100)
    # A channel that failed a notice out is skipped (straight to the fallback) this long.
    channel_down_s: float = Field(default=600.0, ge=0)
    # After this long without any channel accepting, the notice is given up (a finding says so).
    give_up_after_h: float = Field(default=72.0, gt=0)

    def delay(self, attempts: int) -> float:
        """Seconds before try number `attempts + 1` (attempts ≥ 1 failed so far)."""
        return min(self.max_s, self.first_s * self.factor ** max(0, attempts - 1))


class Route(_Strict):
    """How one recipient (a department code, a role, or `default`) is reached."""

    channels: Chain = Field(min_length=1)  # in order: the next only when the previous is down
    also: list[Chain] = Field(default_factory=list)  # further independent chains
    email: list[str] = Field(default_factory=list)  # else the profile's department email
    phone: list[str] = Field(default_factory=list)

    @field_validator("also", mode="before")
    @classmethod
    def _chains(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [[v] if isinstance(v, str) else v for v in value]
        return value

    @property
    def chains(self) -> list[Chain]:
        return [self.channels, *self.also]


class DigestOptions(_Strict):
    """每日汇总: each department with open cases gets its cases and clocks once a day."""

    enabled: bool = True
    at: str = Field(default="08:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")  # local time

    @property
    def hour_minute(self) -> tuple[int, int]:
        hour, minute = self.at.split(":")
        return int(hour), int(minute)


class FindingOptions(_Strict):
    """Findings (a source down, a defaced site, a channel down) go to these roles."""

    enabled: bool = True
    to: list[RecipientRole] = Field(default_factory=lambda: ["news_office"])
    min_severity: Literal["info", "warning", "critical"] = "warning"


class NotifyOptions(_Strict):
    base_url: str = "http://127.0.0.1:8600"  # the dashboard, for {base_url}/cases/{case_id}
    channels: dict[str, dict[str, Any]] = Field(default_factory=dict)
    recipients: dict[str, Route] = Field(default_factory=dict)
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    coalesce_window_s: float = Field(default=600.0, ge=0)  # one message plus updates per case
    # Notice kinds that go at once even inside a case's window (they still open a window).
    never_hold: list[str] = Field(default_factory=lambda: ["escalation", "report_up"])
    digest: DigestOptions = Field(default_factory=DigestOptions)
    findings: FindingOptions = Field(default_factory=FindingOptions)
    evidence_limit: int = Field(default=3, ge=0, le=20)
    timezone: str = "Asia/Shanghai"
    tick_interval_s: float = Field(default=15.0, gt=0)
    keep_done_days: float = Field(default=30.0, gt=0)  # finished jobs are kept this long

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not re.match(r"^https?://", value):
            raise ValueError("expected an http(s) URL of the dashboard")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _channels_and_routes(self) -> NotifyOptions:
        for name, raw in self.channels.items():
            try:
                build_channel(name, raw, "channels")
            except ConfigError as exc:
                raise ValueError(str(exc)) from None
        for key, route in self.recipients.items():
            for chain in route.chains:
                for name in chain:
                    if name not in self.channels:
                        known = ", ".join(self.channels) or "none"
                        raise ValueError(
                            f"recipients.{key}: unknown channel {name!r} (configured: {known})"
                        )
        return self

    def route_for(self, recipient: dict[str, str]) -> Route | None:
        """The route of a recipient: by department code, else by role, else `default`."""
        for key in (recipient.get("code", ""), recipient.get("role", ""), "default"):
            if key and key in self.recipients:
                return self.recipients[key]
        return None
