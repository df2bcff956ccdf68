"""Merging two cases of one event, the watch after closing (防范反复), responses the crawler
finds, and the opening threshold from the policy profile."""

from __future__ import annotations

from functools import partial

import pytest

from alerts import workflow
from alerts.cases import case_id_for
from alerts.merging import merged_into
from alerts.policy_options import OpeningRule
from alerts.resolver import AlertOptions, PolicyResolver
from alerts.responses import respond, review
from alerts.status import WorkflowError
from pipeline.models import parse_time
from tests.alerts.conftest import Workspace, at
from tests.factories import make_scored

A, B = case_id_for("dingan", "evt-1"), case_id_for("dingan", "evt-2")


def test_merge_moves_items_and_timeline_and_redirects_later_items(ws: Workspace) -> None:
    ws.feed(
        make_scored(1),
        make_scored(2, importance="important", severity="major", categories=["emergency"], risk=80),
    )
    ws.clock.advance(minutes=5)
    gone, grown = ws.desk.merge(B, A, "monitor-1")
    assert gone.status == "dismissed" and gone.dismissed_reason == f"merged into {A}"
    assert gone.items == [] and merged_into(gone) == A
    assert grown.items == ["item-1", "item-2"]
    assert grown.importance == "important" and grown.severity == "major" and grown.risk == 80
    assert grown.categories == ["public_interest", "emergency"]
    moved = [e for e in grown.timeline if e.detail.get("from_case") == B]
    assert moved and moved[0].what.startswith("立案")
    assert any(e.detail.get("event") == "absorbed" for e in grown.timeline)
    assert {"report_up", "first_response", "press_conference"} <= {c.name for c in grown.clocks}
    # a later item of the absorbed event goes to the surviving case
    ws.feed(make_scored(3, event_id="evt-2"))
    assert ws.case(A).items == ["item-1", "item-2", "item-3"]
    assert ws.case(B).items == []
    # replaying the absorbed event's first item changes nothing
    version = ws.case(A).version
    ws.feed(make_scored(2, importance="important"))
    assert ws.case(A).version == version
    with pytest.raises(WorkflowError, match=f"case {B}: merge: 本案已并入 {A}"):
        ws.desk.merge(B, A, "monitor-1")
    with pytest.raises(WorkflowError, match="不能把案件并入它自己"):
        ws.desk.merge(A, A, "monitor-1")
    with pytest.raises(WorkflowError, match="没有这个案件"):
        ws.desk.merge("case-nope", A, "monitor-1")


def _to_responded(ws: Workspace, cid: str) -> None:
    ws.step(cid, "confirm", workflow.confirm)
    ws.step(cid, "ack", workflow.acknowledge)
    ws.step(cid, "respond", partial(respond, kind="result", text="已恢复供水"))
    for level in ("first", "second"):
        ws.step(cid, "review", partial(review, number=1, level=level))
    ws.step(cid, "review", partial(review, number=1, level="cosign", department="town_longhu"))
    ws.step(cid, "review", partial(review, number=1, level="final"))


def test_watch_after_closing_alerts_or_reopens(ws: Workspace) -> None:
    ws.feed(make_scored(1))
    _to_responded(ws, A)
    ws.step(A, "close", partial(workflow.close, watch_days=30))
    assert ws.case(A).status == "watching"
    ws.clock.advance(days=2)
    ws.feed(make_scored(5, event_id="evt-1", risk=20))  # a quiet mention: alert only
    case = ws.case(A)
    assert case.status == "watching" and "item-5" in case.items
    (alert,) = [e for e in case.timeline if e.detail.get("event") == "recurrence"]
    assert alert.what.startswith("alert 反复") and alert.detail["reopened"] is False
    ws.feed(make_scored(6, event_id="evt-1", risk=85))  # it flares up again: reopened
    case = ws.case(A)
    assert case.status == "acknowledged"
    reopen = [e for e in case.timeline if e.detail.get("event") == "recurrence"]
    assert [e.detail["reopened"] for e in reopen] == [False, True]
    assert any(e.detail.get("event") == "reopened" for e in case.timeline)


def test_the_watch_ends_on_its_own(ws: Workspace) -> None:
    from alerts.escalation import ClockWatcher

    ws.feed(make_scored(1))
    _to_responded(ws, A)
    ws.step(A, "close", partial(workflow.close, watch_days=7))
    watcher = ClockWatcher(ws.stores.cases, ws.resolver.maintain, ws.outbox)
    watcher.tick(ws.clock.advance(days=6))
    assert ws.case(A).status == "watching"
    watcher.tick(ws.clock.advance(days=1, minutes=1))
    case = ws.case(A)
    assert case.status == "closed" and case.timeline[-1].detail["event"] == "watch_ended"
    ws.feed(make_scored(7, event_id="evt-1", risk=90))  # closed and quiet for long: reopened
    assert ws.case(A).status == "acknowledged"
    with pytest.raises(WorkflowError, match="close: 案件当前状态为「已签收」"):
        ws.step(A, "close", partial(workflow.close, watch_days=0))


def test_a_message_board_answer_found_by_the_crawler_meets_the_clock(ws: Workspace) -> None:
    ws.feed(make_scored(1))
    reply = {
        "official_reply": {
            "text": "经核实，已于当日恢复供水。",
            "published_at": at(hours=5).isoformat(),
            "department": "县水务局",
        }
    }
    ws.clock.advance(hours=6)
    ws.feed(make_scored(2, event_id="evt-1", extra=reply, source_type="gov_site"))
    case = ws.case(A)
    (response,) = case.responses
    assert response.kind == "official_reply" and response.review.state == "approved"
    assert response.review.steps[0]["actor"] == "crawler"
    assert response.review.steps[0]["department"] == "县水务局"
    clock = {c.name: c for c in case.clocks}["response"]
    assert clock.state == "met" and parse_time(clock.met_at) == at(hours=5)
    assert any(e.actor == "crawler" for e in case.timeline)


def test_a_gov_site_statement_marked_by_the_classifier_is_a_response(ws: Workspace) -> None:
    ws.feed(make_scored(1))
    statement = make_scored(
        3,
        event_id="evt-1",
        source_type="gov_site",
        source_name="定安县人民政府网",
        extra={"official_response": True},
        text="关于龙湖镇停水情况的通报",
    )
    ws.feed(statement)
    (response,) = ws.case(A).responses
    assert response.text == "关于龙湖镇停水情况的通报" and response.url == statement.url
    assert response.published_at == "2026-11-20T10:03:00+08:00"


def test_the_opening_threshold_per_category_from_the_profile() -> None:
    rule = OpeningRule(min_risk=70, category_min_risk={"policy_misread": 40})
    assert not rule.crosses(make_scored(1, categories=["policy_misread"], risk=30))
    assert rule.crosses(make_scored(1, categories=["policy_misread"], risk=45))
    assert rule.crosses(make_scored(1, categories=["rumor"], risk=1))  # no floor: always
    assert not rule.crosses(make_scored(1, categories=[], risk=69))
    assert rule.crosses(make_scored(1, categories=[], risk=70))
    assert not OpeningRule(on_important=False).crosses(
        make_scored(1, categories=[], risk=1, importance="important")
    )


def test_the_stage_options_override_the_profile_opening(ws: Workspace) -> None:
    assert ws.resolver.opening_for("dingan").min_risk == 60  # national-2016's section
    options = AlertOptions(min_risk=30, open_on_category=False)
    rule = PolicyResolver(ws.settings, options).opening_for("dingan")
    assert rule.min_risk == 30 and rule.on_category is False and rule.on_important is True


def test_a_spreading_event_becomes_important(ws: Workspace) -> None:
    ws.feed(*[make_scored(n, event_id="evt-1") for n in range(1, 10)])
    assert ws.case(A).importance == "ordinary"
    ws.feed(make_scored(10, event_id="evt-1"))
    case = ws.case(A)
    assert case.importance == "important" and "report_up" in {c.name for c in case.clocks}
    assert any("传播扩大: 信息 10 条" in e.what for e in case.timeline)
