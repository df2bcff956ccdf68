"""Convening the joint meeting (召集会商联席会议, 001): the step, its refusals, the members'
notices in the outbox, the alarm planner's suggestion, and `yuqing cases convene`."""

from __future__ import annotations

from functools import partial

import pytest

from alerts import special_steps, workflow
from alerts.cases import case_id_for
from alerts.notices import OUTBOX, Notice
from alerts.recipients import directory_for
from alerts.special_steps import CONVENED, convene
from alerts.status import WorkflowError
from alerts.steps import StepContext
from tests.alerts.conftest import Workspace, at
from tests.alerts.test_case_commands import Cli
from tests.factories import make_case, make_scored

A, B = case_id_for("dingan", "evt-1"), case_id_for("dingan", "evt-2")
JOINT_MEETING = [
    "propaganda",
    "government_office",
    "public_security",
    "civil_affairs",
    "justice",
    "petition",
    "emergency",
]


def meeting_notices(ws: Workspace, case_id: str = A) -> list[Notice]:
    found = [Notice.model_validate(v) for _, v in ws.stores.state.scan(OUTBOX)]
    mine = [n for n in found if n.kind == "meeting" and n.case_id == case_id]
    return [n for n in mine if n.marker.startswith("convene-")]  # not the planner's suggestion


def events(ws: Workspace, event: str, case_id: str = A) -> list:
    return [e for e in ws.case(case_id).timeline if e.detail.get("event") == event]


def test_an_important_case_convenes_the_profiles_joint_meeting(ws: Workspace) -> None:
    ws.feed(make_scored(1, importance="important"))
    ws.clock.advance(minutes=20)
    step = partial(convene, at="2026-11-20T15:00:00+08:00", place="县委三楼会议室")
    ws.step(A, "convene", step, actor="监测员王")
    (record,) = events(ws, CONVENED)
    assert record.actor == "监测员王" and record.at == "2026-11-20T10:20:00+08:00"
    assert record.detail["members"] == JOINT_MEETING
    assert record.detail["meets_at"] == "2026-11-20T15:00:00+08:00"
    assert "县委三楼会议室" in record.what
    (notice,) = meeting_notices(ws)
    assert [r["code"] for r in notice.recipients] == JOINT_MEETING
    assert {r["role"] for r in notice.recipients} == {"joint_meeting"}
    assert "定安县重大政务舆情会商联席会议" in notice.text and "2026-11-20 15:00" in notice.text
    assert notice.state == "pending"


def test_given_members_are_checked_and_named_once(ws: Workspace) -> None:
    ws.feed(make_scored(1, categories=["emergency"], severity="major"))
    before = ws.case(A)
    with pytest.raises(WorkflowError, match="convene: 未知部门「ufo」"):
        ws.step(A, "convene", partial(convene, members=["water", "ufo"]))
    assert ws.case(A).version == before.version
    ws.step(A, "convene", partial(convene, members=["water", "县水务局", "propaganda"]))
    (record,) = events(ws, CONVENED)
    assert record.detail["members"] == ["water", "propaganda"]
    (notice,) = meeting_notices(ws)
    assert [r["name"] for r in notice.recipients] == ["县水务局", "县委宣传部"]


def test_convening_is_refused_on_small_closed_and_pending_cases(ws: Workspace) -> None:
    ws.feed(make_scored(1), make_scored(2, importance="important"))
    with pytest.raises(WorkflowError, match=f"case {A}: convene: 只有重大或重要舆情案件"):
        ws.step(A, "convene", convene)
    ws.step(B, "convene", convene)
    with pytest.raises(WorkflowError, match="联席会议已召集、尚未召开"):
        ws.step(B, "convene", partial(convene, members=["water"]))
    ws.clock.advance(hours=2)
    ws.step(B, "meeting", partial(special_steps.meeting, line="统一口径"))
    ws.clock.advance(hours=1)
    ws.step(B, "convene", convene)  # held: the next meeting may be convened
    assert len(events(ws, CONVENED, B)) == 2 and len(meeting_notices(ws, B)) == 2
    ws.step(B, "dismiss", partial(workflow.dismiss, reason="误报"))
    with pytest.raises(WorkflowError, match="案件已排除，不能再办理"):
        ws.step(B, "convene", convene)


def test_the_pure_step_refuses_a_closed_case() -> None:
    ctx = StepContext(actor="监测员王", now=at(hours=1))
    closed = make_case(1, importance="important", status="closed")
    with pytest.raises(WorkflowError, match="convene: 案件已办结，不能再办理"):
        convene(closed, ctx)
    bare = make_case(2, importance="important")
    with pytest.raises(WorkflowError, match="辖区档案中没有联席会议"):
        convene(bare, ctx)  # no profile in the context, no members given
    county = StepContext(actor="监测员王", now=at(hours=1), directory=directory_for("dingan"))
    with pytest.raises(WorkflowError, match=r"开会时间格式不对（2026-11-20T15:00）.*\+08:00"):
        convene(bare, county, at="2026-11-20T15:00")
    assert convene(bare, county).timeline[-2].detail["members"] == JOINT_MEETING


def test_the_suggestion_stops_once_the_meeting_is_convened(ws: Workspace) -> None:
    ws.feed(make_scored(1, importance="important"))  # important, not a major emergency
    ws.step(A, "convene", convene)
    ws.feed(make_scored(2, categories=["emergency"], severity="major"))
    assert len(events(ws, "meeting", B)) == 1  # B's own suggestion
    ws.clock.advance(minutes=5)
    ws.desk.merge(B, A, "监测员王")  # A becomes a major emergency, already convened
    case = ws.case(A)
    assert case.severity == "major"
    suggestions = [e for e in events(ws, "meeting") if "建议召开联席会议" in e.what]
    assert [e.detail.get("from_case") for e in suggestions] == [B]  # only B's, moved over


def test_a_major_emergency_not_yet_convened_is_still_suggested(ws: Workspace) -> None:
    ws.feed(make_scored(1, importance="important"))
    ws.feed(make_scored(2, categories=["emergency"], severity="major"))
    ws.clock.advance(minutes=5)
    ws.desk.merge(B, A, "监测员王")
    mine = [e for e in events(ws, "meeting") if "from_case" not in e.detail]
    assert len(mine) == 1 and "建议召开联席会议" in mine[0].what


def test_convene_from_the_command_line(ws: Workspace) -> None:
    ws.feed(make_scored(1), make_scored(2, importance="important"))
    cli = Cli(ws.config, ws.clock)
    out = cli("convene", B, "--member", "water", "--member", "应急管理局", "--as", "监测员王")
    assert out.output.strip() == f"{B}: 已召集联席会议（2026-11-20 10:00）（状态: 待研判）"
    case = cli.case(B)
    record = [e for e in case["timeline"] if e["detail"].get("event") == CONVENED][-1]
    assert record["actor"] == "监测员王" and record["detail"]["members"] == ["water", "emergency"]
    assert "convene: 联席会议已召集、尚未召开，请先记录会议 [meeting_pending]" in cli.fails(
        "convene", B, "--as", "监测员王"
    )
    assert "convene: 只有重大或重要舆情案件才召开联席会议 [not_major]" in cli.fails(
        "convene", A, "--as", "x"
    )
