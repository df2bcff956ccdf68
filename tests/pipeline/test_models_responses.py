"""Response ids, departments and actors: new fields, and old stored cases still loading."""

from __future__ import annotations

import json

from pipeline.models import Case, Response
from tests.factories import make_case

# A case as stored before responses had `id`, `department` and `actor` (schema_version 1).
OLD_RESPONSE = {
    "kind": "statement",
    "text": "经核实，已恢复供水。",
    "url": "",
    "published_at": None,
    "review": {
        "state": "first_review",
        "steps": [
            {"level": "submitted", "actor": "水务局张", "at": "2026-11-20T12:00:00+08:00"},
            {"level": "first", "actor": "承办人", "at": "2026-11-20T12:30:00+08:00"},
        ],
    },
}


def old_case_json() -> str:
    data = make_case(1).to_dict()
    data["responses"] = [OLD_RESPONSE, {**OLD_RESPONSE, "text": "第二次通报"}]
    return json.dumps(data, ensure_ascii=False)


def test_an_old_case_without_the_new_fields_loads() -> None:
    case = Case.from_json(old_case_json())
    first, second = case.responses
    assert first.text == "经核实，已恢复供水。" and first.review.state == "first_review"
    assert first.department is None and first.actor == ""
    assert first.id.startswith("rsp-") and second.id.startswith("rsp-")
    assert first.id != second.id


def test_the_derived_id_is_the_same_on_every_load_and_after_a_round_trip() -> None:
    once, again = Case.from_json(old_case_json()), Case.from_json(old_case_json())
    assert [r.id for r in once.responses] == [r.id for r in again.responses]
    reloaded = Case.from_json(once.to_json())
    assert [r.id for r in reloaded.responses] == [r.id for r in once.responses]
    # later review steps and the publication do not change what the id is derived from
    approved = once.responses[0].model_copy(update={"published_at": "2026-11-20T15:00:00+08:00"})
    assert Response.model_validate(approved.model_dump() | {"id": ""}).id == once.responses[0].id


def test_the_new_fields_round_trip_and_keep_the_contract_fields() -> None:
    response = Response(
        id="rsp-form-1",
        kind="statement",
        text="正在抢修",
        department=Response.Department(code="water", name="县水务局"),
        actor="水务局张",
    )
    dumped = response.model_dump()
    assert {"kind", "text", "url", "published_at", "review"} <= set(dumped)
    assert dumped["department"] == {"code": "water", "name": "县水务局"}
    case = make_case(2).model_copy(update={"responses": [response]})
    (back,) = Case.from_json(case.to_json()).responses
    assert back == response
