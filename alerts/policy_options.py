"""The non-clock parts of a policy profile: when a case opens, reminders, the escalation
ladder, the watch after closing, early assignment and the accountability parameters.

Each section is optional in a file; the nearest profile of the `extends` chain that gives it
wins (policy.py), else the defaults below apply. All of it is data the office edits.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pipeline.models import Category, ScoredItem

# Who a rung of the escalation ladder reaches (alerts/notices.py resolves each to recipients).
RecipientRole = Literal[
    "lead_department",
    "co_departments",
    "news_office",
    "government_office",
    "leader_in_charge",
    "principal_leader",
]
ROLE_LABELS: dict[str, str] = {
    "lead_department": "牵头部门",
    "co_departments": "配合部门",
    "news_office": "新闻办",
    "government_office": "政府办",
    "leader_in_charge": "分管领导",
    "principal_leader": "主要领导",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpeningRule(_Strict):
    """When an item opens a case: relevant AND (a category at its risk floor, or risk ≥
    min_risk, or important, or a superior government asked for a response)."""

    min_risk: int = Field(default=60, ge=0, le=100)
    on_category: bool = True
    # a category opens a case only from this risk on (default 0: always)
    category_min_risk: dict[Category, int] = Field(default_factory=dict)
    on_important: bool = True
    on_superior_request: bool = True

    def crosses(self, item: ScoredItem) -> bool:
        if not item.relevant:
            return False
        by_category = self.on_category and any(
            item.risk >= self.category_min_risk.get(c, 0) for c in item.categories
        )
        return (
            by_category
            or item.risk >= self.min_risk
            or (self.on_important and item.importance == "important")
            or (self.on_superior_request and bool(item.superior_request))
        )


class EarlyAssignment(_Strict):
    """Cases from this risk on are handed to the proposed departments at once, confirmed after."""

    min_risk: int = Field(ge=0, le=100)


class EscalationRung(_Strict):
    """One rung: who is alerted, and how long after the due time (0 = at the breach)."""

    to: list[RecipientRole] = Field(min_length=1)
    after_hours: float = Field(default=0, ge=0)
    label: str = ""

    @field_validator("to", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


DEFAULT_LADDER = (
    EscalationRung(to=["lead_department"], after_hours=0, label="牵头部门"),
    EscalationRung(to=["news_office"], after_hours=2, label="新闻办"),
    EscalationRung(to=["leader_in_charge"], after_hours=12, label="分管领导"),
    EscalationRung(to=["principal_leader"], after_hours=48, label="主要领导"),
)


class WatchRule(_Strict):
    """防范反复: how long a closed case is watched, and what reopens it."""

    days: float = Field(default=30, ge=0)
    reopen_min_risk: int = Field(default=60, ge=0, le=100)  # a new item this risky reopens


class SpreadRule(_Strict):
    """When an event spreads: a case of this many items becomes important (report_up …)."""

    important_from_items: int = Field(default=10, ge=2)


class AccountabilityRule(_Strict):
    """考核 parameters that are not clocks of the contract."""

    acknowledge_within_hours: float = Field(default=2, gt=0)  # 签收 after the hand-over


class PolicyOptions(_Strict):
    """The option sections of one policy file (all optional)."""

    opening: OpeningRule | None = None
    assign_at_once: EarlyAssignment | None = None
    reminders: list[float] | None = None  # fractions of a clock's span, e.g. [0.5, 0.8]
    escalation: list[EscalationRung] | None = None
    watch: WatchRule | None = None
    accountability: AccountabilityRule | None = None
    spread: SpreadRule | None = None
    report_up_to: list[RecipientRole] | None = None  # who gets the immediate report

    @field_validator("reminders")
    @classmethod
    def _fractions(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and any(not 0 < f < 1 for f in value):
            raise ValueError("reminders are fractions of a clock's span, between 0 and 1")
        return sorted(set(value)) if value is not None else None


DEFAULTS = PolicyOptions(
    opening=OpeningRule(),
    assign_at_once=None,
    reminders=[0.5, 0.8],
    escalation=list(DEFAULT_LADDER),
    watch=WatchRule(),
    accountability=AccountabilityRule(),
    spread=SpreadRule(),
    report_up_to=["news_office", "government_office", "leader_in_charge"],
)
