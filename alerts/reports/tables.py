"""The report's tables as (heading, header row, rows) — one list both writers lay out, so the
Word and the HTML report always say the same thing."""

from __future__ import annotations

from alerts.labels import CLOCK_LABELS
from alerts.localtime import display_local
from alerts.reports.content import ReportContent
from alerts.responses import RESPONSE_LABELS

Table = tuple[str, list[str], list[list[str]]]
NUMERALS = "一二三四五六七八九十"
CASE_HEADER = ["标题", "类别", "牵头部门", "状态", "首次回应", "回应情况", "时限"]


def summary_lines(report: ReportContent) -> list[str]:
    if report.case is not None:
        case = report.case
        return [
            f"发现时间: {display_local(case.detected_at)}；属地: {case.jurisdiction.name}；"
            f"风险: {case.risk}；证据信息 {len(case.items)} 条。",
        ]
    return [
        f"本期采集信息 {report.items_total} 条，其中与本辖区相关 {report.items_relevant} 条；"
        f"新立案 {len(report.cases)} 件，其中谣言类 {len(report.rumours)} 件。"
    ]


def report_tables(report: ReportContent) -> list[Table]:
    if report.case is not None:
        return _case_tables(report)
    counties: list[Table] = (
        [("按县（市、区）统计", ["辖区", "条数"], [[k, str(v)] for k, v in report.by_county])]
        if report.by_county
        else []
    )
    tables: list[Table] = [
        ("按类别统计", ["类别", "条数"], [[k, str(v)] for k, v in report.by_category]),
        *counties,
        ("按属地统计", ["属地", "条数"], [[k, str(v)] for k, v in report.by_town]),
        ("按牵头部门统计", ["部门", "条数"], [[k, str(v)] for k, v in report.by_department]),
        ("立案及回应情况", CASE_HEADER, report.cases),
        ("谣言处置及移交", ["标题", "状态", "辟谣", "移交"], report.rumours),
    ]
    if report.accountability is not None:
        rows = [
            [
                r.name,
                str(r.received),
                str(r.answered_on_time),
                str(r.late),
                str(r.missing),
                str(r.pending),
            ]
            for r in report.accountability.departments
        ]
        header = ["部门", "接收", "按时回应", "超时回应", "未回应", "待回应"]
        tables.append(("部门回应考核", header, rows))
    return [(f"{NUMERALS[n]}、{title}", head, rows) for n, (title, head, rows) in enumerate(tables)]


def _case_tables(report: ReportContent) -> list[Table]:
    case = report.case
    assert case is not None
    departments = [
        [d.name, "牵头" if d.role == "lead" else "配合", d.why]
        for d in [case.lead_department, *case.co_departments]
        if d is not None
    ]
    clocks = [
        [
            CLOCK_LABELS.get(c.name, c.name),
            display_local(c.due_at),
            {"running": "计时中", "met": "已达成", "breached": "已超期"}[c.state],
            c.rule,
        ]
        for c in case.clocks
    ]
    responses = [
        [RESPONSE_LABELS.get(r.kind, r.kind), r.review.state, display_local(r.published_at), r.text]
        for r in case.responses
    ]
    timeline = [[display_local(e.at), e.actor, e.what] for e in case.timeline]
    tables: list[Table] = [
        ("一、基本情况", CASE_HEADER, report.cases),
        ("二、责任部门", ["部门", "角色", "依据"], departments),
        ("三、回应时限", ["时限", "截止", "状态", "依据"], clocks),
        ("四、回应", ["类型", "审查", "发布", "内容"], responses),
        ("五、办理经过", ["时间", "办理人", "事项"], timeline),
    ]
    if report.rumours:
        tables.append(("六、谣言移交", ["标题", "状态", "辟谣", "移交"], report.rumours))
    return tables
