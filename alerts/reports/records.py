"""A written report as a stored record: what it covers, its files (with their SHA-256, so the
text a leader approved is the text that goes out), its status in the review workflow and
every step taken on it (who, when, from which status to which, why): the audit trail.

Status: draft → reviewed (负责人审核) → approved (领导审核把关) → sending → sent; a reject
sends it back to draft with a reason. Seed 001: "专人采编、领导审核把关".
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["draft", "reviewed", "approved", "sending", "sent"]
STATUS_LABELS: dict[str, str] = {
    "draft": "草稿",
    "reviewed": "已审核",
    "approved": "已批准",
    "sending": "发送中",
    "sent": "已发送",
}
ACTION_LABELS: dict[str, str] = {
    "draft": "编制",
    "redraft": "重新生成",
    "review": "负责人审核",
    "approve": "领导审核批准",
    "reject": "退回修改",
    "send": "发送",
    "sent": "发送完成",
    "send_failed": "发送未完成",
}
KIND_LABELS = {"daily": "日报", "weekly": "周报", "monthly": "月报", "case": "专报"}
FORMATS = ("docx", "html")


class ReportStep(BaseModel):
    """One entry of the audit trail."""

    at: str
    actor: str
    role: str = ""  # the dashboard role of the actor, "" when the name is not a known user
    action: str
    from_status: str = ""
    to_status: str = ""
    note: str = ""


class Delivery(BaseModel):
    """One recipient reached (or not) when the report was sent."""

    recipient: str
    channel: str = ""
    target: str = ""  # channel|addresses: what was accepted (never sent twice)
    state: Literal["sent", "failed"] = "sent"
    at: str = ""
    error: str = ""


class ReportFile(BaseModel):
    path: str
    sha256: str


class ReportRecord(BaseModel):
    report_id: str
    kind: Literal["daily", "weekly", "monthly", "case"]
    title: str
    period: str  # e.g. 2026-11-16 至 2026-11-22, or the case title
    start: str = ""
    end: str = ""
    case_id: str | None = None
    # the jurisdiction profile whose report it is ("" in records written before reports had
    # profiles: the deployment's default); a superior's report rolls up every monitored county
    profile: str = ""
    files: dict[str, ReportFile] = Field(default_factory=dict)  # "docx" / "html"
    status: Status = "draft"
    drafted_by: str = ""
    drafted_at: str = ""
    reviewed_by: str = ""
    reviewed_at: str = ""
    approved_by: str = ""
    approved_at: str = ""
    sent_by: str = ""
    sent_at: str = ""
    rejection: str = ""  # the last reason it was sent back
    history: list[ReportStep] = Field(default_factory=list)
    deliveries: list[Delivery] = Field(default_factory=list)
    version: int = 1
    claim: str = ""  # random token of the writer of this version (store.py)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def profile_or(self, default: str) -> str:
        """The report's profile, `default` (the deployment's) for a record without one."""
        return self.profile or default

    def delivered_targets(self) -> set[str]:
        return {d.target for d in self.deliveries if d.state == "sent" and d.target}

    def summary(self) -> dict[str, object]:
        """The record for scripts (`--json`), without the internal claim token."""
        return self.model_dump(exclude={"claim"})


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def report_file(path: Path) -> ReportFile:
    resolved = path.resolve()
    return ReportFile(path=str(resolved), sha256=file_digest(resolved))


def changed_files(record: ReportRecord) -> list[str]:
    """The formats whose file is missing or differs from what was drafted and reviewed."""
    changed = []
    for fmt, file in record.files.items():
        path = Path(file.path)
        if not path.is_file() or file_digest(path) != file.sha256:
            changed.append(fmt)
    return changed
