"""The data contracts of contracts.md: Item, ScoredItem, Case, Finding.

Field names are binding (tools outside the project read them). Every record carries
`schema_version`; a record written by a newer version may hold fields this one does not
know and they are ignored, while a record claiming the current version must not hold
unknown fields, so a typo in an import is caught instead of silently dropped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal, Self, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

SCHEMA_VERSION = 1

SourceType = Literal[
    "gov_site",
    "news",
    "news_comment",
    "forum",
    "blog",
    "weibo",
    "wechat",
    "douyin",
    "hotline",
    "print",
    "tv",
    "other",
]
SOURCE_TYPES: tuple[str, ...] = get_args(SourceType)
SOURCE_TYPE_NAMES: dict[str, str] = {  # what a monitor reads for each source type
    "gov_site": "政府网站",
    "news": "新闻",
    "news_comment": "新闻跟帖",
    "forum": "论坛",
    "blog": "博客",
    "weibo": "微博",
    "wechat": "微信",
    "douyin": "抖音",
    "hotline": "热线",
    "print": "报刊",
    "tv": "电视",
    "other": "其他",
}
Category = Literal["policy_misread", "public_interest", "moral_bottom_line", "emergency", "rumor"]
CATEGORIES: tuple[str, ...] = get_args(Category)
Sentiment = Literal["negative", "neutral", "positive"]
Importance = Literal["important", "ordinary"]
Severity = Literal["especially_major", "major", "larger", "general"]
CaseStatus = Literal[
    "new", "confirmed", "acknowledged", "verifying", "responded", "closed", "watching", "dismissed"
]
CASE_STATUSES: tuple[str, ...] = get_args(CaseStatus)
ClockState = Literal["running", "met", "breached"]


def now_utc() -> datetime:
    return datetime.now(UTC)


def parse_time(value: str | datetime) -> datetime:
    """An ISO 8601 time with an offset; a naive time is refused, never guessed."""
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if dt.tzinfo is None:
        raise ValueError(f"time {value!r} has no UTC offset (ISO 8601 with offset expected)")
    return dt


class Record(BaseModel):
    """Base of every contract record: JSON round-trips and version-aware strictness."""

    # Unknown fields are collected (extra="allow") and judged after validation, not by a
    # "before" validator: that one made pydantic build the whole document as Python objects
    # first, which doubled the cost of every `from_json` on the bus and in the stores.
    model_config = ConfigDict(extra="allow", populate_by_name=True, validate_assignment=False)

    schema_version: int = SCHEMA_VERSION

    @model_validator(mode="after")
    def _refuse_unknown_fields(self) -> Self:
        extra = self.__pydantic_extra__
        if extra:
            if self.schema_version <= SCHEMA_VERSION:
                raise ValueError(
                    f"unknown field(s) {', '.join(sorted(extra))} for {type(self).__name__} "
                    f"(schema_version {self.schema_version})"
                )
            extra.clear()  # a newer writer's fields: ignored, never written back
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        # extra="allow" would keep a misspelt attribute and write it out: refuse it, as
        # extra="ignore" did
        if name not in type(self).model_fields and not name.startswith("_"):
            raise ValueError(f'"{type(self).__name__}" object has no field "{name}"')
        super().__setattr__(name, value)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        # as with extra="ignore": an update of a name that is no field is dropped, not kept
        # as an extra field that would be written out and refused when read back
        if update:
            fields = type(self).model_fields
            update = {k: v for k, v in update.items() if k in fields}
        return super().model_copy(update=update, deep=deep)

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=False)

    def to_bytes(self) -> bytes:
        return self.to_json().encode("utf-8")

    @classmethod
    def from_json(cls, raw: str | bytes) -> Self:
        return cls.model_validate_json(raw)

    def to_dict(self) -> dict[str, Any]:
        return json.loads(self.to_json())


class Metrics(BaseModel):
    model_config = ConfigDict(extra="allow")

    views: int | None = None
    replies: int | None = None
    reposts: int | None = None
    likes: int | None = None


class Item(Record):
    """What a crawler or an import produces (topic items.raw)."""

    id: str = Field(min_length=1, max_length=200)
    source_type: SourceType
    source_name: str
    url: str = ""
    title: str = ""
    text: str
    published_at: str
    crawled_at: str
    updated_at: str | None = None
    author: str | None = None
    parent_id: str | None = None
    metrics: Metrics | None = None
    superior_request: bool | None = None
    extra: dict[str, Any] = Field(default_factory=dict)

    @field_validator("published_at", "crawled_at", "updated_at")
    @classmethod
    def _iso_with_offset(cls, value: str | None) -> str | None:
        if value is not None:
            parse_time(value)
        return value


class Jurisdiction(BaseModel):
    name: str
    code: str
    level: Literal["province", "city", "county", "town", "village"]


class DepartmentRef(BaseModel):
    code: str
    name: str
    role: Literal["lead", "co"] = "co"
    why: str = ""


class ScoredItem(Item):
    """An Item plus the classify stage's judgement (topic items.scored)."""

    profile: str
    relevant: bool
    categories: list[Category] = Field(default_factory=list)
    sentiment: Sentiment = "neutral"
    risk: int = Field(ge=0, le=100)
    importance: Importance = "ordinary"
    severity: Severity | None = None
    jurisdiction: Jurisdiction
    departments: list[DepartmentRef] = Field(default_factory=list)
    event_id: str
    # other events this item shows to be the same one (found out of order); their cases merge
    same_event_as: list[str] = Field(default_factory=list)
    explanation: str = ""
    watches: list[str] = Field(default_factory=list)


class Clock(BaseModel):
    name: str
    due_at: str
    met_at: str | None = None
    state: ClockState = "running"
    rule: str
    started_at: str | None = None
    reminders_sent: list[str] = Field(default_factory=list)


class Review(BaseModel):
    """先审查、后公开: who reviewed a response and when."""

    state: Literal["draft", "first_review", "approved", "rejected"] = "draft"
    steps: list[dict[str, Any]] = Field(default_factory=list)


class Response(BaseModel):
    """One response on a case: a rolling release, a press conference, the final result.

    `id` is stable: given when the response is recorded, or — for a case stored before ids
    existed — derived from what never changes on it (kind, text, url, its first review
    step), so it is the same on every load. `department` ({code, name}) gave it, `actor`
    entered it; both are empty on old records."""

    class Department(BaseModel):
        code: str = ""  # the profile's department code; "" when the profile does not know it
        name: str = ""

    id: str = ""
    kind: str
    text: str
    url: str = ""
    published_at: str | None = None
    review: Review = Field(default_factory=Review)
    department: Department | None = None
    actor: str = ""

    @model_validator(mode="after")
    def _stable_id(self) -> Response:
        if not self.id:
            first = self.review.steps[0] if self.review.steps else {}
            key = "\x00".join(
                [self.kind, self.text, self.url, str(first.get("at", "")), str(first.get("actor"))]
            )
            self.id = "rsp-" + hashlib.sha256(key.encode()).hexdigest()[:12]
        return self


class TimelineEntry(BaseModel):
    at: str
    actor: str
    what: str
    detail: dict[str, Any] = Field(default_factory=dict)


class PoliceHandover(BaseModel):
    to: str
    at: str
    evidence: list[str] = Field(default_factory=list)


class Case(Record):
    """The unit of response: one event, its departments, clocks and timeline."""

    case_id: str
    profile: str
    event_id: str
    title: str
    categories: list[Category] = Field(default_factory=list)
    severity: Severity | None = None
    importance: Importance = "ordinary"
    risk: int = 0
    jurisdiction: Jurisdiction
    lead_department: DepartmentRef | None = None
    co_departments: list[DepartmentRef] = Field(default_factory=list)
    status: CaseStatus = "new"
    items: list[str] = Field(default_factory=list)
    responses: list[Response] = Field(default_factory=list)
    clocks: list[Clock] = Field(default_factory=list)
    timeline: list[TimelineEntry] = Field(default_factory=list)
    police_handover: PoliceHandover | None = None
    detected_at: str
    opened_at: str
    confirmed_at: str | None = None
    dismissed_reason: str | None = None
    version: int = 0
    # internal: when the clock tick must look at this case next (alerts/clocks.py): an ISO
    # time, "" when nothing is pending, None when not computed yet (then: at the next tick)
    next_check_at: str | None = None
    # never serialised: a case read lean (CaseStore.get_lean) leaves out its stored evidence
    # ids; this counts them, and its `items` hold only the ids added since (issue #11)
    _items_before: int = PrivateAttr(default=0)

    @property
    def n_items(self) -> int:
        """How many evidence ids the case has, also when it was read lean."""
        return self._items_before + len(self.items)

    @property
    def lean(self) -> bool:
        """Read without its stored evidence ids: `items` are only the ones added since."""
        return self._items_before > 0


class Finding(Record):
    """What is not a post but needs a person: a source down, a defaced site."""

    finding_id: str
    kind: str
    source: str
    detail: str
    found_at: str
    severity: Literal["info", "warning", "critical"] = "warning"
    url: str = ""
    # the jurisdiction profile it concerns (a county's notice); "" system-wide (a source, a channel)
    profile: str = ""
