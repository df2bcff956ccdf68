"""Chinese for the dashboard: why a step was refused. The workflow explains itself in English
(for the CLI and logs); the pages show the reason in Chinese, the English kept for the API."""

from __future__ import annotations

import re

from alerts.status import STATUS_LABELS, WorkflowError

STEP_LABELS = {
    "confirm": "研判确认",
    "dismiss": "排除",
    "assign": "改派",
    "ack": "签收",
    "verify": "核实",
    "respond": "拟回应",
    "review": "审查",
    "report": "报送",
    "handover": "移交",
    "close": "办结",
    "convene": "召集联席会议",
    "meeting": "联席会议记录",
    "merge": "合并案件",
    "open": "手动立案",
}


class FormError(WorkflowError):
    """Bad input caught by the dashboard before the workflow runs; the reason is Chinese."""


def _status(value: str) -> str:
    return STATUS_LABELS.get(value, value)


# (pattern of the English reason, Chinese; groups are filled in by name)
_REASONS: tuple[tuple[str, str], ...] = (
    (r"unknown department '(?P<x>.*)'", "未知部门「{x}」，请从本县部门名录中选择"),
    (r"unknown town '(?P<x>.*)'", "未知乡镇「{x}」"),
    (r"unknown category '(?P<x>.*?)'", "未知类别「{x}」"),
    (r"a reassignment needs a reason", "改派须填写理由"),
    (r"(?P<x>.+) is already the lead department", "{x}已是牵头部门，无需改派"),
    (r"not allowed in status (?P<s>\w+)", "案件当前状态为「{s}」，不能执行这一步"),
    (r"the case is (?P<s>\w+); no further steps", "案件{s}，不能再办理"),
    (r"a case cannot be merged into itself", "不能把案件并入它自己"),
    (r"already merged into (?P<x>\S+)", "本案已并入 {x}"),
    (r"the target case (?P<x>\S+) is (?P<s>\w+)", "目标案件 {x} {s}，不能并入"),
    (r"different jurisdiction profiles", "两案属于不同辖区，不能合并"),
    (r"only a major or important case", "只有重大或重要舆情案件才召开联席会议"),
    (r"record the agreed line", "请填写会商确定的口径"),
    (r"already convened and not yet held", "联席会议已召集、尚未召开，请先记录会议"),
    (r"already handed over to (?P<x>.+)", "本案已移交{x}"),
    (r"only rumour cases", "只有造谣传谣类案件才移交；请先在研判中更正类别"),
    (r"say to whom", "请填写移交（报送）对象"),
    (r"evidence '(?P<x>.*)' is not an item", "证据 {x} 不是本案的信息"),
    (r"no such case", "没有这个案件"),
    (r"already confirmed", "本案已研判确认"),
    (r"cannot go from (?P<s>\w+) to (?P<t>\w+)", "案件当前状态为「{s}」，不能转为「{t}」"),
    (r"a case needs a title", "请填写标题"),
    (r"already open as this case", "这一要求已经立案"),
    (r"dismissing needs a reason", "排除须填写理由"),
    (r"no lead department proposed", "尚无建议的牵头部门，请选择牵头部门"),
    (r"the problem is already confirmed", "已核实问题属实"),
)


def zh_reason(exc: WorkflowError) -> str:
    """The refusal in Chinese (a reason already in Chinese is kept)."""
    reason = exc.reason
    if isinstance(exc, FormError):
        return reason
    for pattern, text in _REASONS:
        found = re.search(pattern, reason)
        if found:
            values = found.groupdict()
            for key in ("s", "t"):
                if key in values:
                    values[key] = _status(values[key])
            return text.format(**values)
    return f"无法完成（{reason}）"
