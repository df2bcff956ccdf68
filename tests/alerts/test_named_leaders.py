"""The escalation ladder and the report-up notice name the people of the jurisdiction profile:
the leader in charge of the case's lead department, the principal, the office contacts."""

from __future__ import annotations

from alerts.cases import case_id_for
from alerts.escalation import ClockWatcher
from alerts.notices import OUTBOX, Notice, message_id
from alerts.recipients import directory_for, named
from tests.alerts.conftest import Workspace
from tests.factories import make_case, make_scored

CID = case_id_for("dingan", "evt-1")
EDUCATION = [{"code": "education", "name": "县教育局", "role": "lead", "why": "职责：学校"}]


def alerts_of(ws: Workspace, event: str, case_id: str = CID) -> list:
    return [e for e in ws.case(case_id).timeline if e.detail.get("event") == event]


def tick(ws: Workspace, **delta: float) -> None:
    ws.clock.advance(**delta)
    ClockWatcher(ws.stores.cases, ws.resolver.maintain, ws.outbox).tick(ws.clock())


def notices(ws: Workspace, kind: str) -> dict[str, Notice]:
    found = {k: Notice.model_validate(v) for k, v in ws.stores.state.scan(OUTBOX)}
    return {n.marker: n for n in found.values() if n.kind == kind}


def test_a_breach_climbs_to_the_named_leader_in_charge_then_the_principal(ws: Workspace) -> None:
    ws.feed(make_scored(1))  # lead: 县水务局, overseen by 副县长 吴某某
    tick(ws, hours=48, minutes=3)  # response clock breached: rung 1, the lead department
    tick(ws, hours=2)  # rung 2, the news office
    rungs = alerts_of(ws, "escalation")
    assert [r["name"] for r in rungs[0].detail["recipients"]] == ["县水务局"]
    assert "吴某某" not in rungs[1].what  # not yet the leader
    tick(ws, hours=10)
    third = alerts_of(ws, "escalation")[2]
    (leader,) = third.detail["recipients"]
    assert leader == {
        "role": "leader_in_charge",
        "code": "vice_rural",
        "name": "吴某某（副县长）",
        "person": "吴某某",
        "title": "副县长",
        "oversees": "water",
        "wecom": "demo_wu",
        "channel": "leaders_dingtalk",
    }
    assert third.what.endswith("第 3 级 → 吴某某（副县长）") and "分管领导" not in third.what
    tick(ws, hours=36)
    fourth = alerts_of(ws, "escalation")[3]
    (principal,) = fourth.detail["recipients"]
    assert principal["role"] == "principal_leader" and principal["code"] == "county_head"
    assert fourth.what.endswith("第 4 级 → 张某某（县长）")
    sent = notices(ws, "escalation")
    assert sent["rung-3"].recipients == [leader] and "吴某某" in sent["rung-3"].text
    assert sent["rung-4"].recipients[0]["person"] == "张某某"
    assert sent["rung-4"].message_id == message_id(CID, "response", "rung-4")


def test_the_leader_in_charge_follows_the_lead_department(ws: Workspace) -> None:
    ws.feed(make_scored(1, departments=EDUCATION))
    tick(ws, hours=60, minutes=3)  # rungs 1–3 at once
    third = alerts_of(ws, "escalation")[2]
    assert third.detail["recipients"][0]["person"] == "刘某某"
    assert third.detail["recipients"][0]["oversees"] == "education"


def test_an_important_case_is_reported_up_to_the_named_recipients(ws: Workspace) -> None:
    ws.feed(make_scored(1, importance="important"))
    (report,) = alerts_of(ws, "report_up")
    people = report.detail["recipients"]
    assert [(r["role"], r["code"], r.get("person")) for r in people] == [
        ("news_office", "propaganda", "孙某某"),
        ("government_office", "government_office", "赵某某"),
        ("leader_in_charge", "vice_rural", "吴某某"),
    ]
    assert report.what.endswith("→ 县委宣传部（孙某某）、县政府办公室（赵某某）、吴某某（副县长）")
    (notice,) = notices(ws, "report_up").values()
    assert notice.recipients == people and notice.text == report.what


def test_reminders_to_the_office_keep_the_office_itself(ws: Workspace) -> None:
    ws.feed(make_scored(1))
    tick(ws, hours=24, minutes=5)  # 50 % of the response clock, before 研判
    (reminder,) = alerts_of(ws, "reminder")
    assert reminder.detail["recipients"] == [
        {"role": "news_office", "code": "propaganda", "name": "县委宣传部"}
    ]


def test_a_role_the_profile_names_nobody_for_stays_generic() -> None:
    directory = directory_for("dingan")
    orphan = make_case(1, lead_department=None, co_departments=[])
    generic = [{"role": "leader_in_charge", "code": "", "name": "分管领导"}]
    assert named(orphan, "escalation", generic, directory) == generic
    assert named(make_case(2), "escalation", generic, None) == generic
    unknown = [{"role": "leader_in_charge", "code": "no_such_dept", "name": "分管领导"}]
    assert named(make_case(3), "escalation", unknown, directory) == unknown
