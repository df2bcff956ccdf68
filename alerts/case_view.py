"""One case as text for people (`yuqing cases show`): fields, clocks, responses, timeline."""

from __future__ import annotations

from alerts.labels import CLOCK_LABELS, IMPORTANCE_LABELS, categories_text, severity_text
from alerts.localtime import display_local
from alerts.responses import RESPONSE_LABELS
from alerts.status import STATUS_LABELS
from alerts.steps import departments_text
from pipeline.models import Case

CLOCK_STATES = {"running": "计时中", "met": "已达成", "breached": "已超期"}
REVIEW_STATES = {
    "draft": "待审",
    "first_review": "审查中",
    "approved": "已审发",
    "rejected": "已退回",
}


def render_case(case: Case) -> str:
    lines = [
        f"案件 {case.case_id}  {case.title}",
        f"  状态: {STATUS_LABELS.get(case.status, case.status)}"
        + (f"（{case.dismissed_reason}）" if case.dismissed_reason else ""),
        f"  类别: {categories_text(case.categories)}  重要程度: "
        f"{IMPORTANCE_LABELS.get(case.importance, case.importance)}  严重程度: "
        f"{severity_text(case.severity)}  风险: {case.risk}",
        f"  属地: {case.jurisdiction.name}  部门: {departments_text(case)}",
        f"  发现: {display_local(case.detected_at)}  立案: {display_local(case.opened_at)}"
        f"  研判: {display_local(case.confirmed_at)}",
        f"  信息: {len(case.items)} 条",
    ]
    if case.police_handover:
        h = case.police_handover
        lines.append(f"  移交: {h.to} {display_local(h.at)}，证据 {len(h.evidence)} 条")
    lines.append("时限:")
    for clock in case.clocks:
        label = CLOCK_LABELS.get(clock.name, clock.name)
        state = CLOCK_STATES.get(clock.state, clock.state)
        met = f"，完成 {display_local(clock.met_at)}" if clock.met_at else ""
        lines.append(f"  {label:<8} 截止 {display_local(clock.due_at)}  {state}{met}")
        lines.append(f"      依据: {clock.rule}")
    if not case.clocks:
        lines.append("  —")
    lines.append("回应:")
    for n, response in enumerate(case.responses, 1):
        kind = RESPONSE_LABELS.get(response.kind, response.kind)
        state = REVIEW_STATES.get(response.review.state, response.review.state)
        published = display_local(response.published_at) if response.published_at else "未发布"
        lines.append(f"  #{n} {kind} [{state}] {published}: {response.text[:60]}")
    if not case.responses:
        lines.append("  —")
    lines.append("经过:")
    for entry in case.timeline:
        lines.append(f"  {display_local(entry.at)}  {entry.actor}: {entry.what}")
    return "\n".join(lines)
