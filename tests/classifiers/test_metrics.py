"""The figures of `yuqing eval` (classifiers/metrics.py) on hand-made scored items: lead
accuracy counts the first department only; `lead_routed` counts the labelled lead anywhere
in the routed departments, and nothing for an item the classifier found irrelevant."""

from __future__ import annotations

import pytest

from classifiers.corpus import CorpusItem
from classifiers.metrics import measure
from pipeline.models import DepartmentRef, ScoredItem
from tests.classifiers.conftest import item

NAMES = {"water": "县水务局", "town_longhu": "龙湖镇人民政府", "housing": "县住房和城乡建设局"}


def gold(n: int, lead: str) -> CorpusItem:
    labels = {"relevant": True, "categories": [], "lead_department": lead}
    return CorpusItem.model_validate(
        {
            "id": f"t-{n}",
            "split": "test",
            "source_type": "weibo",
            "text": "停水三天",
            "labels": labels,
            "event": f"e{n}",
        }
    )


def scored(n: int, departments: list[str], relevant: bool = True) -> ScoredItem:
    refs = [
        DepartmentRef(code=c, name=NAMES[c], role="lead" if i == 0 else "co")
        for i, c in enumerate(departments)
    ]
    base = item("停水三天", n)
    return ScoredItem.model_validate(
        {
            **base.model_dump(),
            "profile": "dingan",
            "relevant": relevant,
            "risk": 0,
            "event_id": f"ev-{n}",
            "jurisdiction": {"name": "定安县", "code": "469021", "level": "county"},
            "departments": [r.model_dump() for r in refs],
        }
    )


def test_lead_routed_counts_the_labelled_lead_among_the_co_departments() -> None:
    figures = measure(
        [
            scored(0, ["water", "town_longhu"]),  # right lead
            scored(1, ["town_longhu", "water"]),  # wrong lead, but routed to water
            scored(2, ["housing"]),  # not routed to water at all
            scored(3, ["water"], relevant=False),  # found irrelevant: routed nowhere
        ],
        [gold(n, "water") for n in range(4)],
    )
    assert figures.lead_accuracy == pytest.approx(1 / 4)
    assert figures.lead_routed == pytest.approx(2 / 4)
    head = figures.headline()
    assert head["lead_routed"] == 0.5 and head["lead_accuracy"] == 0.25
