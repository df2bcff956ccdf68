"""The audit trail of account administration (用户管理): who did what to which account, when.

Case steps are audited on the case timeline; accounts have no timeline, so each admin action
is one record in the state store (namespace "audit.users"), keyed so that keys sort by time.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import datetime

from alerts.localtime import iso_local
from pipeline.storage.base import StateStore

NAMESPACE = "audit.users"
SHOWN = 100


@dataclass(frozen=True)
class AuditEntry:
    at: str  # ISO 8601, Asia/Shanghai
    actor: str
    action: str  # add / change / disable / enable / password
    target: str  # the account acted on
    what: str  # one Chinese line, as the page shows it


class AuditLog:
    """Append-only records of admin actions over a StateStore."""

    def __init__(self, state: StateStore):
        self.state = state

    def record(self, now: datetime, actor: str, action: str, target: str, what: str) -> AuditEntry:
        entry = AuditEntry(iso_local(now), actor, action, target, what)
        key = f"{now.timestamp():017.6f}-{secrets.token_hex(4)}"
        self.state.put(NAMESPACE, key, asdict(entry))
        return entry

    def latest(self, limit: int = SHOWN) -> list[AuditEntry]:
        """The newest entries first."""
        records = self.state.scan(NAMESPACE, limit=100_000)
        return [AuditEntry(**value) for _key, value in reversed(records[-limit:])]
