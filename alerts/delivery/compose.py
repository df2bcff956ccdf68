"""Compose the Chinese messages people read: a notice about a case, a finding, a department's
daily digest, and the update that carries several notices of one case.

Each names the case title, categories, town, the clock and its due time (Asia/Shanghai), the
evidence (masked upstream; shown as stored, never unmasked) and the case link
`{base_url}/cases/{case_id}`. Escaping for each format is the renderer's job (message.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from alerts.channels import ChannelMessage, Evidence, Line
from alerts.labels import CLOCK_LABELS, IMPORTANCE_LABELS, categories_text
from alerts.localtime import display_local, iso_local
from alerts.notices import Notice
from alerts.recipients import names
from alerts.status import STATUS_LABELS
from pipeline.models import Case, Clock, Finding, ScoredItem, parse_time
from pipeline.storage.base import ItemStore

KIND_LABELS = {
    "reminder": "时限提醒",
    "escalation": "超期升级",
    "report_up": "重要舆情呈报",
    "assignment": "交办",
    "recurrence": "舆情反复",
    "meeting": "会商",
}
FINDING_LABELS = {
    "source_down": "信息源无法访问",
    "site_tampering": "网站疑似被篡改",
    "channel_down": "通知通道故障",
    "notice_undeliverable": "通知无法送达",
}
CLOCK_STATES = {"running": "计时中", "met": "已完成", "breached": "已超期"}


def case_link(base_url: str, case_id: str) -> str:
    return f"{base_url.rstrip('/')}/cases/{case_id}"


def clock_text(clock: Clock) -> str:
    label = CLOCK_LABELS.get(clock.name, clock.name)
    return f"{label}，截止 {display_local(clock.due_at)}（北京时间），{CLOCK_STATES[clock.state]}"


class MessageComposer:
    """Builds ChannelMessages from the stored case (and its evidence items)."""

    def __init__(self, base_url: str, items: ItemStore | None, evidence_limit: int = 3):
        self.base_url = base_url
        self.items = items
        self.evidence_limit = evidence_limit

    def evidence(self, case: Case) -> list[Evidence]:
        if self.items is None or not self.evidence_limit or not case.items:
            return []
        found: Sequence[ScoredItem] = self.items.get_many(case.items[: self.evidence_limit * 3])
        ranked = sorted(found, key=lambda i: (-i.risk, i.crawled_at))[: self.evidence_limit]
        return [
            Evidence(
                source=item.source_name,
                title=item.title or item.text[:60],
                url=item.url,
                published_at=display_local(item.published_at),
            )
            for item in ranked
        ]

    def notice(self, notice: Notice, case: Case | None) -> ChannelMessage:
        kind = KIND_LABELS.get(notice.kind, "通知")
        summary = notice.text.removeprefix("alert").strip()
        lines: list[Line] = []
        if case is not None:
            lines += [
                Line(label="类别", value=categories_text(case.categories)),
                Line(label="属地", value=case.jurisdiction.name),
                Line(label="重要程度", value=IMPORTANCE_LABELS.get(case.importance, "一般")),
            ]
            if case.lead_department is not None:
                lines.append(Line(label="牵头部门", value=case.lead_department.name))
            clock = next((c for c in case.clocks if c.name == notice.clock), None)
            if clock is not None:
                lines.append(Line(label="时限", value=clock_text(clock)))
                lines.append(Line(label="依据", value=clock.rule))
            lines.append(Line(label="案件状态", value=STATUS_LABELS.get(case.status, case.status)))
        lines.append(Line(label="通知对象", value=names(notice.recipients)))
        return ChannelMessage(
            message_id=notice.message_id,
            kind=notice.kind,
            title=f"{kind}：{notice.case_title}",
            summary=summary,
            lines=lines,
            evidence=self.evidence(case) if case is not None else [],
            link=case_link(self.base_url, notice.case_id),
            created_at=notice.created_at,
        )

    def finding(self, finding: Finding, message_id: str) -> ChannelMessage:
        label = FINDING_LABELS.get(finding.kind, finding.kind)
        severity = {"info": "提示", "warning": "警告", "critical": "严重"}[finding.severity]
        return ChannelMessage(
            message_id=message_id,
            kind="finding",
            title=f"系统发现：{label}（{finding.source}）",
            summary=finding.detail,
            lines=[
                Line(label="类型", value=label),
                Line(label="对象", value=finding.source),
                Line(label="级别", value=severity),
                Line(label="发现时间", value=display_local(finding.found_at) + "（北京时间）"),
            ],
            link=finding.url or f"{self.base_url}/findings",
            created_at=iso_local(finding.found_at),
        )

    def digest(
        self, department: str, cases: Sequence[Case], day: str, message_id: str, now: str
    ) -> ChannelMessage:
        breached = sum(1 for c in cases for k in c.clocks if k.state == "breached")
        lines = []
        for case in sorted(cases, key=_next_due):
            running = [k for k in case.clocks if k.state != "met"]
            clocks = "；".join(clock_text(k) for k in running) or "无计时"
            status = STATUS_LABELS.get(case.status, case.status)
            lines.append(
                Line(
                    label=f"{status}｜{case.jurisdiction.name}",
                    value=f"{case.title}｜{clocks}",
                    link=case_link(self.base_url, case.case_id),
                )
            )
        return ChannelMessage(
            message_id=message_id,
            kind="digest",
            title=f"每日舆情汇总：{department}（{day}）",
            summary=f"在办案件 {len(cases)} 件，已超期时限 {breached} 个。",
            lines=lines,
            link=f"{self.base_url}/cases",
            created_at=now,
        )

    def update(
        self, message_id: str, members: Sequence[ChannelMessage], now: str
    ) -> ChannelMessage:
        """One message for several notices of one case (coalescing): the newest facts first."""
        first = members[0]
        return ChannelMessage(
            message_id=message_id,
            kind="update",
            title=f"更新（{len(members)} 条）：{first.title}",
            summary="同一案件在短时间内有多条通知，合并发送如下。",
            lines=[
                Line(label=KIND_LABELS.get(m.kind, "通知"), value=m.summary or m.title)
                for m in members
            ]
            + [line for line in first.lines if line.label in ("类别", "属地", "时限")],
            link=first.link,
            created_at=now,
        )


def _next_due(case: Case) -> float:
    running = [parse_time(k.due_at).timestamp() for k in case.clocks if k.state != "met"]
    return min(running) if running else float("inf")
