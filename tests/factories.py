"""Factory helpers for contract records, shared by every test package (Quix-style)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from pipeline.models import Case, Finding, Item, Jurisdiction, ScoredItem

BASE_TIME = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
COUNTY = Jurisdiction(name="定安县", code="469021", level="county")
TOWN = Jurisdiction(name="龙湖镇", code="469021102", level="town")


def iso(minutes: float = 0) -> str:
    return (BASE_TIME + timedelta(minutes=minutes)).isoformat()


def make_item(n: int = 0, **over: Any) -> Item:
    data: dict[str, Any] = {
        "id": f"item-{n}",
        "source_type": "forum",
        "source_name": "定安论坛",
        "url": f"http://127.0.0.1/forum/thread-{n}.html",
        "title": f"龙湖镇停水第{n}天，村民生活困难",
        "text": f"龙湖镇居丁村已经停水{n}天了，水务局一直没有回应，希望政府尽快解决。",
        "published_at": iso(n),
        "crawled_at": iso(n + 1),
    }
    data.update(over)
    return Item.model_validate(data)


def make_scored(n: int = 0, **over: Any) -> ScoredItem:
    base = make_item(n).model_dump()
    base.update(
        profile="dingan",
        relevant=True,
        categories=["public_interest"],
        sentiment="negative",
        risk=60,
        importance="ordinary",
        jurisdiction=TOWN.model_dump(),
        departments=[
            {"code": "water", "name": "县水务局", "role": "lead", "why": "职责：供水"},
            {"code": "town_longhu", "name": "龙湖镇人民政府", "role": "co", "why": "属地管理"},
        ],
        event_id=f"evt-{n}",
        explanation="停水 → public_interest",
    )
    base.update(over)
    return ScoredItem.model_validate(base)


def make_case(n: int = 0, **over: Any) -> Case:
    data: dict[str, Any] = {
        "case_id": f"case-{n}",
        "profile": "dingan",
        "event_id": f"evt-{n}",
        "title": f"龙湖镇停水 {n}",
        "categories": ["public_interest"],
        "jurisdiction": TOWN.model_dump(),
        "lead_department": {"code": "water", "name": "县水务局", "role": "lead", "why": "供水"},
        "co_departments": [{"code": "town_longhu", "name": "龙湖镇人民政府", "role": "co"}],
        "items": [f"item-{n}"],
        "clocks": [
            {"name": "response", "due_at": iso(n + 48 * 60), "rule": "国办发〔2016〕61号: 48 h"}
        ],
        "detected_at": iso(n),
        "opened_at": iso(n + 1),
    }
    data.update(over)
    return Case.model_validate(data)


def make_finding(n: int = 0, **over: Any) -> Finding:
    data = {
        "finding_id": hashlib.sha1(f"f{n}".encode()).hexdigest()[:16],
        "kind": "source_down",
        "source": "定安论坛",
        "detail": "连续3次采集失败",
        "found_at": iso(n),
    }
    data.update(over)
    return Finding.model_validate(data)
