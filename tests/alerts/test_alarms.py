"""Reminders at 50 % and 80 %, the escalation ladder after a breach, the report-up notice,
and the outbox they fill (stable ids, nothing twice under replay)."""

from __future__ import annotations

from pathlib import Path

from alerts.alarms import AlarmPlanner
from alerts.cases import case_id_for
from alerts.escalation import ClockWatcher
from alerts.notices import OUTBOX, Notice, message_id
from alerts.recipients import directory_for
from pipeline.config import load_settings
from pipeline.runner import run_once
from pipeline.topics import ITEMS_SCORED
from tests.alerts.conftest import FakeClock, Workspace, policy, write_config
from tests.alerts.test_stage import build, cases_of, produce
from tests.factories import make_scored

CID = case_id_for("dingan", "evt-1")


def alerts_of(ws: Workspace, event: str) -> list:
    return [e for e in ws.case(CID).timeline if e.detail.get("event") == event]


def tick(ws: Workspace, **delta: float) -> list[str]:
    ws.clock.advance(**delta)
    return ClockWatcher(ws.stores.cases, ws.resolver.maintain, ws.outbox).tick(ws.clock())


def outbox(ws: Workspace) -> dict[str, Notice]:
    return {k: Notice.model_validate(v) for k, v in ws.stores.state.scan(OUTBOX)}


def test_reminders_at_half_and_four_fifths_once_each(ws: Workspace) -> None:
    ws.feed(make_scored(1))  # response: 48 h from detection (T0 + 2 min)
    tick(ws, hours=23)
    assert alerts_of(ws, "reminder") == []
    tick(ws, hours=1, minutes=5)  # past 24 h 2 min: 50 %
    (half,) = alerts_of(ws, "reminder")
    assert half.what.startswith("alert 提醒: 回应已过时限的 50%")
    assert half.detail["clock"] == "response" and half.detail["reminder"] == "50%"
    assert half.detail["recipients"] == [
        {"role": "news_office", "code": "propaganda", "name": "县委宣传部"}
    ]  # not yet confirmed: the office's clock
    assert ws.case(CID).clocks[0].reminders_sent == ["50%"]
    tick(ws, hours=1)
    assert len(alerts_of(ws, "reminder")) == 1  # once
    tick(ws, hours=14)  # 39 h 5 min > 80 % (38 h 26 min)
    reminders = alerts_of(ws, "reminder")
    assert [r.detail["reminder"] for r in reminders] == ["50%", "80%"]
    assert ws.case(CID).clocks[0].reminders_sent == ["50%", "80%"]
    notices = outbox(ws)
    assert set(notices) == {message_id(CID, "response", "50%"), message_id(CID, "response", "80%")}
    assert all(n.kind == "reminder" and n.state == "pending" for n in notices.values())


def test_a_late_tick_sends_the_latest_reminder_only(ws: Workspace) -> None:
    ws.feed(make_scored(1))
    tick(ws, hours=40)
    (reminder,) = alerts_of(ws, "reminder")
    assert reminder.detail["reminder"] == "80%"
    assert ws.case(CID).clocks[0].reminders_sent == ["50%", "80%"]


def test_the_escalation_ladder_climbs_while_unanswered(ws: Workspace) -> None:
    ws.feed(make_scored(1))
    tick(ws, hours=48, minutes=3)  # breached
    (first,) = alerts_of(ws, "escalation")
    assert first.what.startswith("alert 升级: 回应已超期")
    assert first.detail["rung"] == 1
    assert first.detail["recipients"] == [
        {"role": "lead_department", "code": "water", "name": "县水务局"}
    ]
    tick(ws, hours=2)
    assert [e.detail["rung"] for e in alerts_of(ws, "escalation")] == [1, 2]
    assert alerts_of(ws, "escalation")[1].detail["recipients"][0]["code"] == "propaganda"
    tick(ws, hours=10)
    assert [e.detail["rung"] for e in alerts_of(ws, "escalation")] == [1, 2, 3]
    tick(ws, hours=36)
    rungs = alerts_of(ws, "escalation")
    assert [e.detail["rung"] for e in rungs] == [1, 2, 3, 4]
    assert rungs[3].detail["recipients"][0]["role"] == "principal_leader"
    version = ws.case(CID).version
    assert tick(ws, hours=100) == []  # the top of the ladder: nothing more
    assert ws.case(CID).version == version
    kinds = sorted(n.marker for n in outbox(ws).values() if n.kind == "escalation")
    assert kinds == ["rung-1", "rung-2", "rung-3", "rung-4"]


def test_the_ladder_is_data_in_the_profile(tmp_path: Path) -> None:
    shipped = policy("national-2016")
    assert [r.to for r in shipped.option("escalation")] == [
        ["lead_department"],
        ["news_office"],
        ["leader_in_charge"],
        ["principal_leader"],
    ]
    assert policy("dingan-2016").option("reminders") == [0.5, 0.8]  # inherited


def test_an_important_case_is_reported_up_as_soon_as_it_opens(ws: Workspace) -> None:
    ws.feed(make_scored(1, importance="important"))
    (report,) = alerts_of(ws, "report_up")
    assert report.what.startswith("alert 呈报: 重要舆情")
    assert [r["role"] for r in report.detail["recipients"]] == [
        "news_office",
        "government_office",
        "leader_in_charge",
    ]
    (notice,) = [n for n in outbox(ws).values() if n.kind == "report_up"]
    assert notice.message_id == message_id(CID, "report_up", "opened")
    assert notice.case_title == ws.case(CID).title


def test_the_planner_is_pure_and_idempotent(ws: Workspace) -> None:
    ws.feed(make_scored(1))
    planner = AlarmPlanner(policy("dingan-2016"), directory_for("dingan"))
    case = ws.case(CID)
    later = ws.clock.advance(hours=30)
    once = planner.plan(case, later)
    assert once is not None and planner.plan(once, later) is None


def test_a_replayed_topic_sends_no_notice_twice(tmp_path: Path, fake_clock: FakeClock) -> None:
    config = write_config(tmp_path)
    settings = load_settings(config)
    items = [make_scored(1, importance="important")]
    produce(settings, ITEMS_SCORED, items)
    run_once(build(config, fake_clock))
    stage = build(config, fake_clock)  # run_once closes its stage's context
    stage.tick(fake_clock.advance(hours=2))  # report_up breached → rung 1
    produce(settings, ITEMS_SCORED, items)  # the replay
    run_once(build(config, fake_clock))
    stage.tick(fake_clock.advance(minutes=1))
    outbox_rows = stage.ctx.stores.state.scan(OUTBOX)
    ids = [k for k, _ in outbox_rows]
    assert len(ids) == len(set(ids)) == 2  # report_up at opening, rung 1 of its breach
    (case,) = cases_of(config)
    alerts = [e for e in case.timeline if e.what.startswith("alert")]
    assert sorted(e.detail["message_id"] for e in alerts) == sorted(ids)
    stage.ctx.close()


def test_a_major_emergency_proposes_the_joint_meeting_once(ws: Workspace) -> None:
    ws.feed(make_scored(1, categories=["emergency"], severity="major"))
    (proposal,) = alerts_of(ws, "meeting")
    assert proposal.what.startswith("alert 会商") and proposal.detail["recipients"][0]["code"] == (
        "propaganda"
    )
    tick(ws, minutes=5)
    assert len(alerts_of(ws, "meeting")) == 1
