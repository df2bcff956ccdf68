"""Contract records: JSON round trips, strictness, forward compatibility."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from pipeline.models import SCHEMA_VERSION, Case, Item, ScoredItem
from tests.factories import make_case, make_item, make_scored


@pytest.mark.parametrize("factory", [make_item, make_scored, make_case])
def test_json_round_trip(factory):
    record = factory(3)
    again = type(record).from_json(record.to_json())
    assert again == record
    assert json.loads(record.to_json())["schema_version"] == SCHEMA_VERSION


def test_contract_field_names_are_present():
    scored = make_scored(1).to_dict()
    for key in (
        "id",
        "source_type",
        "source_name",
        "url",
        "title",
        "text",
        "published_at",
        "crawled_at",
        "profile",
        "relevant",
        "categories",
        "sentiment",
        "risk",
        "importance",
        "jurisdiction",
        "departments",
        "event_id",
        "explanation",
    ):
        assert key in scored
    case = make_case(1).to_dict()
    for key in (
        "case_id",
        "profile",
        "event_id",
        "title",
        "categories",
        "severity",
        "importance",
        "jurisdiction",
        "lead_department",
        "co_departments",
        "status",
        "items",
        "responses",
        "clocks",
        "timeline",
        "police_handover",
        "detected_at",
        "opened_at",
        "confirmed_at",
    ):
        assert key in case
    assert set(case["clocks"][0]) >= {"name", "due_at", "met_at", "state", "rule"}


def test_unknown_field_is_refused_at_the_current_version():
    data = make_item(1).to_dict() | {"titel": "typo"}
    with pytest.raises(ValidationError, match="unknown field.*titel"):
        Item.model_validate(data)


def test_newer_version_fields_are_ignored():
    data = make_item(1).to_dict() | {"schema_version": SCHEMA_VERSION + 1, "future": [1]}
    assert Item.model_validate(data).id == "item-1"
    again = ScoredItem.from_json(
        json.dumps(make_scored(1).to_dict() | {"schema_version": 9, "x": 1})
    )
    assert "x" not in again.to_dict()  # never written back


def test_unknown_field_in_json_is_refused_at_the_current_version():
    raw = json.dumps(make_scored(1).to_dict() | {"risc": 5})
    with pytest.raises(ValidationError, match="unknown field.*risc"):
        ScoredItem.from_json(raw)


def test_misspelt_attributes_are_refused_and_copies_drop_unknown_names():
    item = make_scored(1)
    with pytest.raises(ValueError, match="no field"):
        item.risc = 5
    copied = item.model_copy(update={"risk": 7, "risc": 5})
    assert copied.risk == 7 and "risc" not in copied.to_dict()
    assert ScoredItem.from_json(copied.to_json()) == copied


def test_old_records_without_new_optional_fields_load():
    data = make_scored(1).to_dict()
    for optional in ("watches", "severity", "extra", "metrics", "updated_at", "schema_version"):
        data.pop(optional, None)
    assert ScoredItem.model_validate(data).watches == []


@pytest.mark.parametrize(
    "field,value",
    [
        ("published_at", "2026-11-20 10:00"),
        ("crawled_at", "yesterday"),
        ("source_type", "tiktok"),
        ("id", ""),
    ],
)
def test_bad_values_are_refused(field, value):
    data = make_item(1).to_dict() | {field: value}
    with pytest.raises(ValidationError):
        Item.model_validate(data)


def test_missing_required_field_is_named():
    data = make_item(1).to_dict()
    del data["text"]
    with pytest.raises(ValidationError, match="text"):
        Item.model_validate(data)


def test_case_status_is_constrained():
    with pytest.raises(ValidationError):
        Case.model_validate(make_case(1).to_dict() | {"status": "lost"})
