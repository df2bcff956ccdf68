"""The workflow on the real store with a fake clock: every state, every step, every error."""

from __future__ import annotations

import json
import re
from functools import partial

import pytest

from alerts import special_steps, workflow
from alerts.cases import case_id_for
from alerts.corrections import LABELS
from alerts.responses import respond, review
from alerts.status import WorkflowError
from pipeline.models import parse_time
from tests.alerts.conftest import Workspace, at
from tests.factories import make_scored

CID = case_id_for("dingan", "evt-1")


def approve(ws: Workspace, number: int, cosign: tuple[str, ...] = ("town_longhu",)) -> None:
    ws.step(CID, "review", partial(review, number=number, level="first"), "承办人")
    ws.step(CID, "review", partial(review, number=number, level="second"), "科长")
    for dept in cosign:
        ws.step(
            CID, "review", partial(review, number=number, level="cosign", department=dept), "镇"
        )
    ws.step(CID, "review", partial(review, number=number, level="final"), "分管领导")


def test_a_case_through_every_state(ws: Workspace) -> None:
    ws.feed(make_scored(1))
    assert ws.case(CID).status == "new"
    ws.clock.advance(minutes=30)
    ws.step(CID, "confirm", workflow.confirm)
    case = ws.case(CID)
    assert case.status == "confirmed" and parse_time(case.confirmed_at) == at(minutes=30)
    assert [e.detail["event"] for e in case.timeline[-3:]] == [
        "confirmed",
        "assigned",
        "assignment",
    ]
    notice = case.timeline[-1]
    assert notice.what.startswith("alert 交办") and notice.actor == "monitor-1"
    assert [r["code"] for r in notice.detail["recipients"]] == ["water", "town_longhu"]
    ws.clock.advance(minutes=30)
    ws.step(CID, "ack", workflow.acknowledge, "水务局-张")
    assert ws.case(CID).status == "acknowledged"
    ws.step(CID, "verify", partial(workflow.verify, confirmed=True), "水务局-张")
    case = ws.case(CID)
    assert case.status == "verifying"
    assert {c.name for c in case.clocks} == {"response", "verified_answer"}
    ws.clock.advance(hours=2)
    ws.step(CID, "respond", partial(respond, kind="statement", text="正在抢修"), "水务局-张")
    assert ws.case(CID).responses[0].review.state == "draft"
    assert ws.case(CID).status == "verifying"  # a draft is not a response yet
    approve(ws, 1)
    case = ws.case(CID)
    assert case.status == "responded"
    assert case.responses[0].review.state == "approved"
    assert parse_time(case.responses[0].published_at) == at(hours=3)
    clocks = {c.name: c for c in case.clocks}
    assert clocks["response"].state == "met" and clocks["verified_answer"].state == "running"
    answer = partial(
        respond, kind="authoritative_answer", text="已恢复供水", url="http://gov.example/1"
    )
    ws.step(CID, "respond", answer, "水务局-张")  # the final result, a rolling release
    approve(ws, 2)
    assert {c.name: c.state for c in ws.case(CID).clocks}["verified_answer"] == "met"
    ws.step(CID, "report", partial(workflow.report, to="县政府办", result=True))
    ws.step(CID, "close", partial(workflow.close, watch_days=30))
    case = ws.case(CID)
    assert case.status == "watching"
    statuses = [e.detail["to"] for e in case.timeline if "from" in e.detail]
    assert statuses == ["confirmed", "acknowledged", "verifying", "responded", "closed", "watching"]
    assert all(e.actor and e.at for e in case.timeline)


def test_a_step_on_a_closed_case_is_refused_and_changes_nothing(ws: Workspace) -> None:
    ws.feed(make_scored(1))
    ws.step(CID, "dismiss", partial(workflow.dismiss, reason="广告帖"))
    before = ws.case(CID)
    for step, do in [
        ("ack", workflow.acknowledge),
        ("confirm", workflow.confirm),
        ("verify", partial(workflow.verify, confirmed=True)),
        ("respond", partial(respond, kind="statement", text="x")),
        ("meeting", partial(special_steps.meeting, line="口径")),
        ("report", partial(workflow.report, to="县政府办")),
    ]:
        with pytest.raises(WorkflowError, match=rf"case {CID}: {step}: 案件已排除，不能再办理"):
            ws.step(CID, step, do)
    assert ws.case(CID) == before


@pytest.mark.parametrize(
    ("step", "do", "code", "why"),
    [
        ("ack", workflow.acknowledge, "wrong_status", "「待研判」.*请先研判确认"),
        ("verify", partial(workflow.verify, confirmed=True), "wrong_status", "「待研判」"),
        ("respond", partial(respond, kind="statement", text="x"), "wrong_status", "「待研判」"),
        ("close", partial(workflow.close, watch_days=0), "wrong_status", "「待研判」"),
        ("assign", partial(workflow.assign, lead="water", co=None, reason="x"), "wrong_status",
         "须为: 已研判"),
        ("review", partial(review, number=1, level="first"), "wrong_status", "「待研判」"),
        ("dismiss", partial(workflow.dismiss, reason=""), "reason_required", "排除须填写理由"),
        ("handover", partial(special_steps.handover, to="县公安局"), "not_a_rumour",
         "只有造谣传谣类案件才移交"),
        ("meeting", partial(special_steps.meeting, line="口径"), "not_major", "重大或重要"),
        ("report", partial(workflow.report, to=" "), "recipient_required", "请填写报送对象"),
        ("confirm", partial(workflow.confirm, lead="县外星局"), "unknown_department",
         "未知部门「县外星局」"),
        ("confirm", partial(workflow.confirm, town_name="火星镇"), "unknown_town", "未知乡镇"),
        ("confirm", partial(workflow.confirm, categories=["gossip"]), "unknown_category",
         "未知类别「gossip」"),
    ],
)  # fmt: skip
def test_steps_out_of_order_are_refused(ws: Workspace, step: str, do, code: str, why: str) -> None:
    """Each refusal has its code and says why in Chinese, with the case and step named."""
    ws.feed(make_scored(1))
    before = ws.case(CID)
    with pytest.raises(WorkflowError, match=rf"^case {CID}: {step}: .*{why}") as refused:
        ws.step(CID, step, do)
    assert refused.value.code == code and refused.value.message_zh in str(refused.value)
    unquoted = re.sub(r"「[^」]*」", "", refused.value.message_zh)  # the input as given
    assert not re.search(r"[A-Za-z]{3,}", unquoted), "no English left for people"
    assert ws.case(CID) == before


def test_review_errors(ws: Workspace) -> None:
    ws.feed(make_scored(1))
    ws.step(CID, "confirm", workflow.confirm)
    ws.step(CID, "ack", workflow.acknowledge)
    with pytest.raises(WorkflowError, match="没有第 1 条回应"):
        ws.step(CID, "review", partial(review, number=1, level="first"))
    with pytest.raises(WorkflowError, match="未知回应类型「tweet」"):
        ws.step(CID, "respond", partial(respond, kind="tweet", text="x"))
    ws.step(CID, "respond", partial(respond, kind="statement", text="通报"))
    with pytest.raises(WorkflowError, match="领导审发之前须先完成承办人初审"):
        ws.step(CID, "review", partial(review, number=1, level="final"))
    ws.step(CID, "review", partial(review, number=1, level="first"))
    with pytest.raises(WorkflowError, match="承办人初审已完成"):
        ws.step(CID, "review", partial(review, number=1, level="first"))
    with pytest.raises(WorkflowError, match="配合部门会签之前须先完成负责人审核"):
        ws.step(CID, "review", partial(review, number=1, level="cosign", department="town_longhu"))
    ws.step(CID, "review", partial(review, number=1, level="second"))
    with pytest.raises(WorkflowError, match=r"须先完成配合部门会签（龙湖镇人民政府）"):
        ws.step(CID, "review", partial(review, number=1, level="final"))
    with pytest.raises(WorkflowError, match="不是本案的配合部门"):
        ws.step(CID, "review", partial(review, number=1, level="cosign", department="education"))
    ws.step(CID, "review", partial(review, number=1, level="cosign", department="龙湖镇人民政府"))
    with pytest.raises(WorkflowError, match="已会签"):
        ws.step(CID, "review", partial(review, number=1, level="cosign", department="town_longhu"))
    ws.step(CID, "review", partial(review, number=1, level="final", approve=False, note="措辞"))
    case = ws.case(CID)
    assert case.responses[0].review.state == "rejected" and case.status == "acknowledged"
    assert {c.name: c.state for c in case.clocks}["response"] == "running"
    with pytest.raises(WorkflowError, match="第 1 条回应已退回"):
        ws.step(CID, "review", partial(review, number=1, level="final"))


def test_reassign_needs_a_reason_and_a_known_department(ws: Workspace) -> None:
    ws.feed(make_scored(1))
    ws.step(CID, "confirm", workflow.confirm)
    ws.step(CID, "ack", workflow.acknowledge)
    before = ws.case(CID)
    with pytest.raises(WorkflowError, match=rf"case {CID}: assign: 未知部门「nasa」"):
        ws.step(CID, "assign", partial(workflow.assign, lead="nasa", co=None, reason="职责"))
    with pytest.raises(WorkflowError, match="改派须填写理由"):
        ws.step(CID, "assign", partial(workflow.assign, lead="housing", co=None, reason=" "))
    with pytest.raises(WorkflowError, match="已是牵头部门"):
        ws.step(CID, "assign", partial(workflow.assign, lead="县水务局", co=None, reason="x"))
    assert ws.case(CID) == before
    ws.step(CID, "assign", partial(workflow.assign, lead="住建局", co=None, reason="小区供水"))
    case = ws.case(CID)
    assert case.lead_department.code == "housing" and case.status == "confirmed"
    assert [d.code for d in case.co_departments] == ["town_longhu"]
    last = case.timeline[-2]
    assert last.detail["event"] == "assigned" and last.detail["reason"] == "小区供水"
    assert case.timeline[-1].detail["recipients"][0]["code"] == "housing"
    ws.step(CID, "ack", workflow.acknowledge, "住建局-李")  # the new department signs again
    assert ws.case(CID).status == "acknowledged"


def test_confirm_with_corrections_writes_a_label_to_the_store_and_the_file(ws: Workspace) -> None:
    ws.feed(make_scored(1))
    ws.clock.advance(minutes=12)
    correct = partial(
        workflow.confirm,
        categories=["emergency"],
        lead="应急管理局",
        co=["water"],
        town_name="定城镇",
    )
    ws.step(CID, "confirm", correct, "monitor-wang")
    case = ws.case(CID)
    assert case.categories == ["emergency"] and case.lead_department.code == "emergency"
    assert [d.code for d in case.co_departments] == ["water"]
    assert case.jurisdiction.name == "定城镇" and case.jurisdiction.level == "town"
    assert "已更正系统建议" in next(e.what for e in case.timeline if e.what.startswith("研判"))
    (key, label), *_ = ws.stores.state.scan(LABELS)
    assert key == f"{CID}@2026-11-20T10:12:00+08:00"
    assert label["corrected"] is True and label["actor"] == "monitor-wang"
    assert label["before"]["categories"] == ["public_interest"]
    assert label["before"]["lead_department"] == "water"
    assert label["after"]["lead_department"] == "emergency"
    lines = (ws.settings.data_dir / "labels" / "corrections.jsonl").read_text("utf-8")
    assert [json.loads(line) for line in lines.splitlines()] == [label]
    with pytest.raises(WorkflowError, match="本案已于 .* 研判确认"):
        ws.step(CID, "confirm", workflow.confirm)


def test_a_dismissal_is_a_false_alarm_label(ws: Workspace) -> None:
    ws.feed(make_scored(1))
    ws.step(CID, "dismiss", partial(workflow.dismiss, reason="外地新闻，非本县"))
    ((_, label),) = ws.stores.state.scan(LABELS)
    assert label["kind"] == "dismiss" and label["false_alarm"] is True
    assert label["reason"] == "外地新闻，非本县" and label["items"] == ["item-1"]
    assert ws.case(CID).dismissed_reason == "外地新闻，非本县"


def test_report_meets_report_up_and_the_result_report_same_day(tmp_path, fake_clock) -> None:
    ws = Workspace(tmp_path, fake_clock, policy="maoshe-2023")
    try:
        ws.feed(make_scored(1, importance="important"))
        ws.clock.advance(minutes=40)
        ws.step(CID, "report", partial(workflow.report, to="乡政务舆情应对办公室"))
        clocks = {c.name: c for c in ws.case(CID).clocks}
        assert clocks["report_up"].state == "met"
        assert clocks["same_day"].state == "running"
        ws.step(CID, "confirm", workflow.confirm)
        ws.step(CID, "ack", workflow.acknowledge)
        ws.step(CID, "respond", partial(respond, kind="statement", text="已处理"))
        approve(ws, 1)
        assert {c.name: c.state for c in ws.case(CID).clocks}["same_day"] == "running"
        ws.step(CID, "report", partial(workflow.report, to="分管领导", result=True))
        assert {c.name: c.state for c in ws.case(CID).clocks}["same_day"] == "met"
    finally:
        ws.close()


def test_rumour_handover_with_evidence(ws: Workspace) -> None:
    ws.feed(make_scored(1, categories=["rumor"]), make_scored(2, event_id="evt-1"))
    with pytest.raises(WorkflowError, match="证据 item-9 不是本案的信息"):
        ws.step(
            CID, "handover", partial(special_steps.handover, to="县公安局", evidence=["item-9"])
        )
    ws.step(
        CID,
        "handover",
        partial(
            special_steps.handover,
            to="县公安局",
            evidence=["item-2"],
            at="2026-11-20T11:00:00+08:00",
        ),
    )
    case = ws.case(CID)
    assert case.police_handover.to == "县公安局" and case.police_handover.evidence == ["item-2"]
    assert case.police_handover.at == "2026-11-20T11:00:00+08:00"
    assert case.timeline[-1].detail["event"] == "police_handover"
    with pytest.raises(WorkflowError, match="本案已移交县公安局"):
        ws.step(CID, "handover", partial(special_steps.handover, to="县委网信办"))


def test_joint_meeting_on_a_major_case(ws: Workspace) -> None:
    ws.feed(make_scored(1, categories=["emergency"], severity="major"))
    with pytest.raises(WorkflowError, match="未知部门「ufo」"):
        ws.step(CID, "meeting", partial(special_steps.meeting, line="口径", members=["ufo"]))
    ws.step(CID, "meeting", partial(special_steps.meeting, line="统一口径：已全力抢修"))
    last = ws.case(CID).timeline[-1]
    assert last.detail["event"] == "joint_meeting" and last.detail["line"] == "统一口径：已全力抢修"
    assert last.detail["members"] == [
        "propaganda",
        "government_office",
        "public_security",
        "civil_affairs",
        "justice",
        "petition",
        "emergency",
    ]


def test_early_assignment_before_confirmation(tmp_path, fake_clock) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "fast.yaml").write_text(
        "name: fast\nextends: dingan-2016\nassign_at_once: {min_risk: 80}\n", encoding="utf-8"
    )
    shipped = __import__("alerts.policy", fromlist=["POLICY_DIR"]).POLICY_DIR
    for name in ("dingan-2016", "national-2016"):
        (policies / f"{name}.yaml").write_text(
            (shipped / f"{name}.yaml").read_text("utf-8"), encoding="utf-8"
        )
    ws = Workspace(tmp_path, fake_clock, policy="fast", policies_dir=str(policies))
    try:
        ws.feed(make_scored(1, risk=90), make_scored(2, risk=50))
        case = ws.case(CID)
        assert case.status == "new" and case.timeline[1].detail == {
            "event": "assigned",
            "departments": ["water", "town_longhu"],
            "early": True,
        } | {"event": "assigned"}
        low = ws.case(case_id_for("dingan", "evt-2"))
        assert not any(e.detail.get("event") == "assigned" for e in low.timeline)
        ws.clock.advance(minutes=10)
        ws.step(CID, "ack", workflow.acknowledge, "水务局")  # before 研判
        ws.clock.advance(minutes=50)
        ws.step(CID, "confirm", workflow.confirm)
        case = ws.case(CID)
        assert case.status == "acknowledged"
        assert parse_time(case.confirmed_at) == at(hours=1)
        with pytest.raises(WorkflowError, match="请先研判确认"):
            ws.step(case_id_for("dingan", "evt-2"), "ack", workflow.acknowledge)
    finally:
        ws.close()


EXPECTED_CLOCKS = {
    "national-2016": {"report_up", "first_response", "press_conference"},
    "linfen-2017": {"report_up", "first_response", "press_conference"},
    "dingan-2016": {"report_up", "first_response", "press_conference", "verified_answer"},
    "maoshe-2023": {"report_up", "first_response", "press_conference", "same_day"},
}


@pytest.mark.parametrize("profile", sorted(EXPECTED_CLOCKS))
def test_every_clock_of_every_profile_is_met_by_workflow_steps(
    tmp_path, fake_clock, profile: str
) -> None:
    ws = Workspace(tmp_path, fake_clock, policy=profile)
    try:
        grave = {"categories": ["emergency"], "severity": "especially_major"}
        ws.feed(make_scored(1, importance="important", **grave))
        ws.clock.advance(minutes=30)
        ws.step(CID, "report", partial(workflow.report, to="县政府办、分管县领导"))
        ws.step(CID, "confirm", workflow.confirm)
        ws.step(CID, "ack", workflow.acknowledge)
        ws.step(CID, "verify", partial(workflow.verify, confirmed=True))
        ws.clock.advance(hours=2)
        ws.step(CID, "respond", partial(respond, kind="press_conference", text="发布会"))
        approve(ws, 1)
        answer = partial(respond, kind="result", text="处置结果", url="http://gov.example/r")
        ws.step(CID, "respond", answer)
        approve(ws, 2)
        ws.step(CID, "report", partial(workflow.report, to="分管领导", result=True))
        clocks = {c.name: c for c in ws.case(CID).clocks}
        assert set(clocks) == EXPECTED_CLOCKS[profile]
        assert {c.state for c in clocks.values()} == {"met"}, clocks
        assert parse_time(clocks["report_up"].met_at) == at(minutes=30)
        assert parse_time(clocks["first_response"].met_at) == at(hours=2, minutes=30)
    finally:
        ws.close()


def test_the_proposed_town_does_not_depend_on_arrival_order(ws: Workspace) -> None:
    from pipeline.models import Jurisdiction

    dingcheng = Jurisdiction(name="定城镇", code="469021100", level="town")
    items = [
        make_scored(5, event_id="evt-1"),
        make_scored(3, event_id="evt-1", jurisdiction=dingcheng.model_dump()),
        make_scored(
            4,
            event_id="evt-1",
            jurisdiction={"name": "定安县", "code": "469021", "level": "county"},
        ),
    ]
    ws.feed(*items)
    first = ws.case(CID).jurisdiction
    (ws.config.parent / "other").mkdir()
    other = Workspace(ws.config.parent / "other", ws.clock)
    try:
        other.feed(*reversed(items))
        assert other.case(CID).jurisdiction == first == dingcheng  # the earliest town post
    finally:
        other.close()
