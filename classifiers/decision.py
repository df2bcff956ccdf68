"""A classifier's decision for one item, and its assembly into a ScoredItem.

Both the rules baseline and the model classifier fill a `Decision` (what and why); the
`ScoredItemBuilder` adds what stays rule-based for both — sentiment when not decided, risk
and importance (seed 003), the explanation line — and assembles the ScoredItem with
`model_construct`: every value is already of its field's type (the Item was validated, the
codes come from the fixed vocabularies, risk is clamped to 0–100), so a second validation
would only cost time (tests/classifiers/test_fast_paths.py re-validates what it builds).
`construct` does what `model_construct` does when every field is given, without its
per-field loop over aliases and defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from classifiers.analysis import Analysis
from classifiers.rules.risk import RiskScorer
from classifiers.rules.severity import Casualties
from pipeline.models import DepartmentRef, Item, Jurisdiction, ScoredItem

SENTIMENT_ZH = {"negative": "负面", "neutral": "中性", "positive": "正面"}
SEVERITY_ZH = {"especially_major": "特别重大", "major": "重大", "larger": "较大", "general": "一般"}
_ITEM_FIELDS = tuple(Item.model_fields)
_ITEM_SET = frozenset(_ITEM_FIELDS)
_SCORED_FIELDS = tuple(ScoredItem.model_fields)
_SCORED_SET = frozenset(_SCORED_FIELDS)
_PLAIN = (
    not ScoredItem.__pydantic_root_model__
    and ScoredItem.__pydantic_post_init__ is None
    and all(
        f.alias is None and f.validation_alias is None for f in ScoredItem.model_fields.values()
    )
)
# what `model_construct` leaves in __pydantic_extra__ when no unknown field is given
_EXTRA_ALLOWED = ScoredItem.model_config.get("extra") == "allow"


def construct(values: dict[str, Any]) -> ScoredItem:
    """`ScoredItem.model_construct(**values)`; the short way when `values` has every field."""
    if not _PLAIN or values.keys() != _SCORED_SET:
        return ScoredItem.model_construct(**values)
    m = ScoredItem.__new__(ScoredItem)
    object.__setattr__(m, "__dict__", {name: values[name] for name in _SCORED_FIELDS})
    object.__setattr__(m, "__pydantic_fields_set__", set(_SCORED_FIELDS))
    object.__setattr__(m, "__pydantic_extra__", {} if _EXTRA_ALLOWED else None)
    object.__setattr__(m, "__pydantic_private__", None)
    return m


@dataclass
class Decision:
    relevant: bool
    relevance_why: str
    place: Jurisdiction
    place_why: str = ""
    categories: list[str] = field(default_factory=list)
    category_why: dict[str, str] = field(default_factory=dict)
    severity: str | None = None
    casualties: Casualties | None = None
    departments: list[DepartmentRef] = field(default_factory=list)
    sentiment: str = "neutral"
    event_id: str = ""
    event_how: str = ""
    same_event_as: list[str] = field(default_factory=list)
    watches: list[str] = field(default_factory=list)


class ScoredItemBuilder:
    def __init__(self, profile_name: str, risk: RiskScorer | None = None):
        self.profile_name = profile_name
        self.risk = risk or RiskScorer()

    def build(self, a: Analysis, d: Decision) -> ScoredItem:
        item = a.item
        base = dict(item.__dict__)  # a model's fields are its __dict__ (extras are apart)
        if base.keys() != _ITEM_SET:  # not exactly an Item's fields: field by field
            base = {name: getattr(item, name) for name in _ITEM_FIELDS}
        base.update(title=a.title, text=a.text, author=a.author, extra=dict(item.extra))
        assessment = self.risk.assess(item, d.relevant, d.categories, d.sentiment, d.severity)
        if a.empty:  # nothing to read: nothing to look at
            assessment.risk, assessment.importance, assessment.reasons = 0, "ordinary", []
        parts = [("相关：" if d.relevant else "不相关：") + d.relevance_why]
        if d.relevant:
            if d.place.level == "town":
                parts.append(f"地点：{d.place.name}（{d.place_why}）")
            for code in d.categories:
                parts.append(f"{code}（{d.category_why.get(code, '')}）")
            if d.severity and d.casualties is not None:
                parts.append(
                    f"{SEVERITY_ZH[d.severity]}（死亡{d.casualties.deaths}、"
                    f"受伤{d.casualties.injuries}）"
                )
        parts.append(f"{SENTIMENT_ZH[d.sentiment]}；风险{assessment.risk}")
        if assessment.importance == "important":
            parts.append("重要：" + "、".join(assessment.reasons))
        if d.departments:
            parts.append(f"牵头：{d.departments[0].name}（{d.departments[0].why}）")
        if a.masks.total:
            parts.append(f"已脱敏{a.masks.total}处")
        if d.watches:
            parts.append("专题：" + "、".join(d.watches))
        parts.append(f"事件：{d.event_how}")
        if d.same_event_as:
            parts.append(f"与另外{len(d.same_event_as)}起事件实为同一事件")
        return construct(
            dict(
                base,
                profile=self.profile_name,
                relevant=d.relevant,
                categories=list(d.categories) if d.relevant else [],
                sentiment=d.sentiment,
                risk=assessment.risk,
                importance=assessment.importance,
                severity=d.severity if d.relevant else None,
                jurisdiction=d.place.model_copy(),
                departments=list(d.departments) if d.relevant else [],
                event_id=d.event_id,
                same_event_as=d.same_event_as,
                explanation=" | ".join(parts),
                watches=list(d.watches),
            )
        )
