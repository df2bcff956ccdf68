"""Chinese labels of the codes people read: categories, severities, importance, clocks."""

from __future__ import annotations

from collections.abc import Iterable

CATEGORY_LABELS = {
    "policy_misread": "政策误读",
    "public_interest": "公众切身利益",
    "moral_bottom_line": "道德底线",
    "emergency": "突发事件",
    "rumor": "谣言",
}
SEVERITY_LABELS = {
    "especially_major": "特别重大",
    "major": "重大",
    "larger": "较大",
    "general": "一般",
}
# Higher rank = more severe; None (not an emergency) ranks lowest.
SEVERITY_RANK = {None: 0, "general": 1, "larger": 2, "major": 3, "especially_major": 4}
IMPORTANCE_LABELS = {"important": "重要", "ordinary": "一般"}
# For screens that do not load the policy; a policy's own `label` takes precedence elsewhere.
CLOCK_LABELS = {
    "report_up": "报告领导",
    "first_response": "首次回应",
    "press_conference": "新闻发布会",
    "response": "回应",
    "verified_answer": "网上权威答复",
    "same_day": "当天回应",
}


def categories_text(codes: Iterable[str]) -> str:
    return "、".join(CATEGORY_LABELS.get(c, c) for c in codes) or "—"


def severity_text(code: str | None) -> str:
    return SEVERITY_LABELS.get(code, code) if code else "无"
