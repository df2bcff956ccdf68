"""Responses named by a stable id: who gave and entered them, review by id (or number), the
crawler's answers, replays that add nothing, and old stored cases without ids."""

from __future__ import annotations

import json
import sqlite3
from functools import partial

import pytest

from alerts import workflow
from alerts.cases import case_id_for
from alerts.responses import locate, official_reply, respond, review
from alerts.status import WorkflowError
from tests.alerts.conftest import Workspace, at
from tests.alerts.test_case_commands import Cli
from tests.factories import make_case, make_scored

CID = case_id_for("dingan", "evt-1")


def acknowledged(ws: Workspace) -> None:
    ws.feed(make_scored(1))
    ws.step(CID, "confirm", workflow.confirm)
    ws.step(CID, "ack", workflow.acknowledge, "水务局张")


def draft(ws: Workspace, text: str = "正在抢修", actor: str = "水务局张", **kw: object) -> str:
    ws.step(CID, "respond", partial(respond, kind="statement", text=text, **kw), actor)
    return ws.case(CID).responses[-1].id


def test_a_response_records_its_id_department_and_actor(ws: Workspace) -> None:
    acknowledged(ws)
    rid = draft(ws)
    (response,) = ws.case(CID).responses
    assert rid.startswith("rsp-") and response.actor == "水务局张"
    assert response.department is not None
    assert (response.department.code, response.department.name) == ("water", "县水务局")
    entry = ws.case(CID).timeline[-1]
    assert entry.detail["response_id"] == rid and rid in entry.what and "县水务局" in entry.what
    ws.clock.advance(minutes=1)
    other = draft(ws, "配合排查", "镇干部", department="龙湖镇人民政府")
    second = ws.case(CID).responses[1]
    assert other != rid and second.department.code == "town_longhu"
    with pytest.raises(WorkflowError, match="未知部门「县邮政局」"):
        draft(ws, "再说一次", department="县邮政局")


def test_review_names_the_response_by_id_prefix_or_number(ws: Workspace) -> None:
    acknowledged(ws)
    first = draft(ws)
    ws.clock.advance(minutes=1)
    second = draft(ws, "第二次通报")
    ws.step(CID, "review", partial(review, number=second, level="first"), "承办人")
    ws.step(CID, "review", partial(review, number=second[:10], level="second"), "科长")
    ws.step(CID, "review", partial(review, number=1, level="first"), "承办人")
    case = ws.case(CID)
    states = {r.id: r.review.state for r in case.responses}
    assert states == {first: "first_review", second: "first_review"}
    assert case.timeline[-1].detail["response_id"] == first
    assert case.timeline[-2].detail == case.timeline[-2].detail | {
        "response": 2,
        "response_id": second,
        "level": "second",
    }
    with pytest.raises(WorkflowError, match="没有回应「rsp-nothing」"):
        ws.step(CID, "review", partial(review, number="rsp-nothing", level="first"))
    with pytest.raises(WorkflowError, match=r"没有第 3 条回应（本案共 2 条）"):
        ws.step(CID, "review", partial(review, number="#3", level="first"))
    with pytest.raises(WorkflowError, match="没有回应「rsp-」"):
        locate(case, "rsp-")  # too short to be a prefix


def test_a_replayed_submission_with_its_own_id_is_recorded_once(ws: Workspace) -> None:
    acknowledged(ws)
    assert draft(ws, response_id="form-7f3a") == "form-7f3a"
    ws.clock.advance(minutes=3)
    draft(ws, response_id="form-7f3a")  # the form sent twice
    assert [r.id for r in ws.case(CID).responses] == ["form-7f3a"]
    with pytest.raises(WorkflowError, match="已被另一条回应使用"):
        draft(ws, "别的内容", response_id="form-7f3a")
    with pytest.raises(WorkflowError, match="只能含字母、数字"):
        draft(ws, response_id="bad id")


def test_the_crawler_answer_names_its_department_and_is_taken_once(ws: Workspace) -> None:
    ws.feed(make_scored(1))
    reply = {
        "official_reply": {
            "text": "经核实，已于当日恢复供水。",
            "published_at": at(hours=5).isoformat(),
            "department": "水务局",  # an alias in the profile
        }
    }
    answer = make_scored(2, event_id="evt-1", extra=reply, source_type="gov_site")
    ws.feed(answer)
    ws.feed(answer)  # the replay
    (response,) = ws.case(CID).responses
    assert response.actor == "crawler" and response.department.code == "water"
    assert response.department.name == "县水务局"
    assert response.id == official_reply(answer).id  # from the item: stable
    found = [e for e in ws.case(CID).timeline if e.detail.get("event") == "official_reply"]
    assert [e.detail["response_id"] for e in found] == [response.id]
    # the builder refuses the same answer again, e.g. found anew after a merge
    builder = ws.resolver.builder_for("dingan")
    case = ws.case(CID).model_copy(deep=True)
    builder._take_official_reply(case, answer, at(hours=7))
    assert len(case.responses) == 1


def test_a_crawler_answer_from_an_unknown_or_unnamed_department() -> None:
    case = make_case(1)
    outside = make_scored(3, extra={"official_reply": {"text": "已转交", "department": "省电网"}})
    response = official_reply(outside, case)
    assert response.department.model_dump() == {"code": "", "name": "省电网"}
    statement = make_scored(4, source_type="gov_site", extra={"official_response": True})
    response = official_reply(statement, case)
    assert response.department.code == "water"  # none named: the case's lead department
    assert response.actor == "crawler" and response.review.state == "approved"


def test_an_old_stored_case_is_reviewed_by_its_derived_id(ws: Workspace) -> None:
    acknowledged(ws)
    draft(ws)
    path = ws.settings.store_path
    with sqlite3.connect(path) as conn:  # as written before responses had ids
        (doc,) = conn.execute("SELECT doc FROM cases WHERE case_id = ?", (CID,)).fetchone()
        data = json.loads(doc)
        for r in data["responses"]:
            del r["id"], r["department"], r["actor"]
        conn.execute("UPDATE cases SET doc = ? WHERE case_id = ?", (json.dumps(data), CID))
    old = ws.case(CID).responses[0]
    assert old.department is None and old.id.startswith("rsp-")
    assert ws.case(CID).responses[0].id == old.id  # the same on every load
    ws.step(CID, "review", partial(review, number=old.id, level="first"), "承办人")
    stored = ws.case(CID).responses[0]
    assert stored.id == old.id and stored.review.state == "first_review"


def test_the_command_line_prints_and_takes_response_ids(ws: Workspace) -> None:
    acknowledged(ws)
    cli = Cli(ws.config, ws.clock)
    out = cli("respond", CID, "--text", "正在抢修", "--as", "水务局张").output
    rid = ws.case(CID).responses[0].id
    assert out.startswith(f"{CID}: 回应 #1（{rid}）已提交，待审查")
    cli("respond", CID, "--text", "表单", "--id", "web-1", "--as", "科长")
    cli("respond", CID, "--text", "表单", "--id", "web-1", "--as", "科长")  # again: once
    assert [r.id for r in ws.case(CID).responses] == [rid, "web-1"]
    out = cli("review", CID, rid, "--level", "first", "--as", "承办人").output
    assert out.startswith(f"{CID}: 回应 #1（{rid}）审查: first_review")
    out = cli("review", CID, "2", "--level", "first", "--as", "承办人").output
    assert "回应 #2（web-1）审查: first_review" in out
    shown = cli.case(CID)["responses"]
    assert [(r["id"], r["actor"], r["department"]["code"]) for r in shown] == [
        (rid, "水务局张", "water"),
        ("web-1", "科长", "water"),
    ]
    assert "没有回应「rsp-zzzzzzzz」" in cli.fails(
        "review", CID, "rsp-zzzzzzzz", "--level", "second"
    )
