"""Risk (0–100: how urgently a person must look) and importance (seed 003's rule).

Risk adds up categories, sentiment, severity, reach (views, replies, reposts, likes), the
medium's level and a superior's request. Importance is seed 003: central media; provincial
or city media with a large reaction; a print front page → important; plus high risk, major
severity, a superior's request or very large reach.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from classifiers.lexicon import load_data
from pipeline.models import Item

CATEGORY_POINTS = {
    "emergency": 30,
    "moral_bottom_line": 30,
    "rumor": 25,
    "public_interest": 20,
    "policy_misread": 15,
}
SEVERITY_FLOOR = {"especially_major": 95, "major": 85, "larger": 70, "general": 0}
IMPORTANT_RISK = 75
HUGE_VIEWS = 100_000
HUGE_REPOSTS = 1_000


def reach(item: Item) -> int:
    m = item.metrics
    if m is None:
        return 0
    return (m.views or 0) + 20 * (m.reposts or 0) + 10 * (m.replies or 0) + 2 * (m.likes or 0)


@dataclass
class Assessment:
    risk: int
    importance: str
    reasons: list[str] = field(default_factory=list)


class RiskScorer:
    def __init__(self, media: dict[str, Any] | None = None):
        media = media if media is not None else load_data("media.yaml")
        self.central = tuple(media.get("central") or [])
        self.provincial = tuple(media.get("provincial") or [])
        self.reaction = dict(media.get("reaction") or {})
        self.front_marks = {str(m) for m in media.get("front_page_marks") or []}

    def media_level(self, source_name: str) -> str:
        if any(name in source_name for name in self.central):
            return "central"
        if any(name in source_name for name in self.provincial):
            return "provincial"
        return "other"

    def large_reaction(self, item: Item) -> bool:
        m = item.metrics
        if m is None:
            return False
        return any((getattr(m, k, None) or 0) >= int(v) for k, v in self.reaction.items())

    def front_page(self, item: Item) -> bool:
        page = item.extra.get("page", item.extra.get("front_page"))
        return page is True or (page is not None and str(page) in self.front_marks)

    def assess(
        self,
        item: Item,
        relevant: bool,
        categories: list[str],
        sentiment: str,
        severity: str | None,
    ) -> Assessment:
        points = sorted((CATEGORY_POINTS[c] for c in categories), reverse=True)
        risk = 15 + (points[0] + 8 * (len(points) - 1) if points else 0)
        risk += {"negative": 12, "positive": -8}.get(sentiment, 0)
        size = reach(item)
        risk += min(20, int(5 * math.log10(1 + size / 50))) if size else 0
        level = self.media_level(item.source_name)
        risk += {"central": 10, "provincial": 5}.get(level, 0)
        if item.superior_request:
            risk = max(risk + 25, 60)
        if severity:
            risk = max(risk + 5, SEVERITY_FLOOR[severity])
        if not relevant:
            risk = min(risk // 4, 10)
        risk = max(0, min(100, risk))

        reasons: list[str] = []
        if relevant:
            sensitive = bool(categories) or sentiment == "negative"
            m = item.metrics
            checks = [
                (level == "central" and sensitive, "中央媒体报道"),
                (
                    level == "provincial" and sensitive and self.large_reaction(item),
                    "省市媒体报道引起较大反响",
                ),
                (item.source_type == "print" and self.front_page(item), "纸媒头版"),
                (bool(item.superior_request), "上级要求回应"),
                (severity in ("major", "especially_major"), "重大及以上突发事件"),
                (risk >= IMPORTANT_RISK, f"风险{risk}"),
                (
                    m is not None
                    and ((m.views or 0) >= HUGE_VIEWS or (m.reposts or 0) >= HUGE_REPOSTS),
                    "传播量大",
                ),
            ]
            reasons = [why for ok, why in checks if ok]
        return Assessment(risk, "important" if reasons else "ordinary", reasons)
