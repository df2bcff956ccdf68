"""Channel health: a channel that failed a message out is marked down for a while (new
messages go straight to their fallback) and raises one `channel_down` Finding per outage;
its first success marks it up again. Kept in the state store, shared by every worker.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

from alerts.localtime import iso_local
from pipeline.models import Finding, parse_time
from pipeline.storage.base import StateStore

HEALTH = "delivery.channels"
FindingSink = Callable[[Finding], None]


def finding_id(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:20]


class ChannelHealth:
    def __init__(self, state: StateStore, down_for_s: float, raise_finding: FindingSink):
        self.state = state
        self.down_for = timedelta(seconds=down_for_s)
        self.raise_finding = raise_finding

    def is_down(self, name: str, now: datetime) -> bool:
        record = self.state.get(HEALTH, name)
        return bool(record and record.get("down_until") and parse_time(record["down_until"]) > now)

    def mark_down(self, name: str, error: str, now: datetime) -> None:
        record = self.state.get(HEALTH, name) or {}
        outage = record.get("since") or iso_local(now)
        self.state.put(
            HEALTH,
            name,
            {"since": outage, "down_until": iso_local(now + self.down_for), "last_error": error},
        )
        if record.get("since"):
            return  # the same outage: one finding is enough
        self.raise_finding(
            Finding(
                finding_id=f"chd-{finding_id('channel_down', name, outage)}",
                kind="channel_down",
                source=f"notify:{name}",
                detail=f"通知通道 {name} 连续发送失败（{error}），已改用备用通道；请检查配置与对方服务。",
                found_at=iso_local(now),
                severity="critical",
            )
        )

    def mark_up(self, name: str) -> None:
        if self.state.get(HEALTH, name) is not None:
            self.state.delete(HEALTH, name)

    def status(self) -> dict[str, dict]:
        return dict(self.state.scan(HEALTH))
