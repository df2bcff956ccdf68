"""The workflow forms of issue #10 over the real `yuqing web`: opening a case by hand,
reassigning the lead department, convening and recording the joint meeting, merging, and the
rumour hand-over — each with its refusals (Chinese reason, case unchanged) and role limits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from pipeline.models import Case
from tests.alerts.web.conftest import Demo, api_client, hostile_item

pytestmark = pytest.mark.timeout(120)


def h(token: str) -> dict[str, str]:
    return {"X-CSRF-Token": token}


def open_case(client: httpx.Client, token: str, **fields) -> dict:
    body = {
        "origin": "superior_request",
        "title": f"上级要求回应：测试 {uuid.uuid4().hex[:8]}",
        "requested_by": "市委网信办",
        "importance": "important",
        "lead": "water",
        **fields,
    }
    response = client.post("/api/cases", json=body, headers=h(token))
    assert response.status_code == 201, response.text
    return response.json()


def step(client: httpx.Client, token: str, case_id: str, name: str, **body) -> httpx.Response:
    return client.post(f"/api/cases/{case_id}/steps/{name}", json=body, headers=h(token))


def confirmed_case(client: httpx.Client, token: str, **fields) -> dict:
    case = open_case(client, token, **fields)
    done = step(client, token, case["case_id"], "confirm")
    assert done.status_code == 200, done.text
    return done.json()


def unchanged(client: httpx.Client, case: dict) -> bool:
    now = client.get(f"/api/cases/{case['case_id']}").json()
    return now["timeline"] == case["timeline"] and now["status"] == case["status"]


def test_a_monitor_opens_a_case_by_hand_and_others_may_not(server, demo: Demo):
    monitor, token = api_client(server, demo.users["monitor"])
    case = open_case(monitor, token, categories=["public_interest"], town="龙湖镇")
    assert case["status"] == "new" and case["lead_department"]["code"] == "water"
    assert case["jurisdiction"]["name"] == "龙湖镇" and case["categories"] == ["public_interest"]
    opened = case["timeline"][0]
    assert opened["actor"] == demo.users["monitor"] and "上级要求回应" in opened["what"]
    again = monitor.post(
        "/api/cases",
        json={"title": case["title"], "requested_by": "市委网信办", "lead": "water"},
        headers=h(token),
    )
    assert again.status_code == 409 and "已经立案" in again.json()["detail"]
    for bad, reason in (
        ({"title": "  "}, "请填写标题"),
        ({"title": "x", "lead": "县不存在局"}, "未知部门"),
        ({"title": "x", "town": "火星镇"}, "未知乡镇"),
        ({"title": "x", "origin": "rumour_mill"}, "未知的立案来源"),
    ):
        refused = monitor.post("/api/cases", json=bad, headers=h(token))
        assert refused.status_code == 422 and reason in refused.json()["detail"], refused.text
    assert monitor.post("/api/cases", json={"title": "无令牌"}).status_code == 403
    for role in ("officer", "leader"):
        client, other = api_client(server, demo.users[role])
        assert (
            client.post("/api/cases", json={"title": "越权"}, headers=h(other)).status_code == 403
        )


def test_the_board_form_opens_a_case_and_says_why_not(server, demo: Demo):
    monitor, token = api_client(server, demo.users["monitor"])
    title = f"联席会议转办：测试 {uuid.uuid4().hex[:8]}"
    form = {"csrf_token": token, "origin": "referral", "title": title, "categories": ""}
    done = monitor.post("/cases/new", data=form)
    assert done.status_code == 303 and done.headers["location"].startswith("/cases/")
    page = monitor.get(done.headers["location"]).text
    assert title in page and "已立案" in page
    empty = monitor.post("/cases/new", data={**form, "title": ""})
    assert empty.headers["location"] == "/board"
    assert "请填写标题" in monitor.get("/board").text
    assert monitor.post("/cases/new", data={**form, "csrf_token": "forged"}).status_code == 403
    officer, other = api_client(server, demo.users["officer"])
    assert officer.post("/cases/new", data={**form, "csrf_token": other}).status_code == 403
    assert 'id="open-case"' not in officer.get("/board").text
    assert 'id="open-case"' in monitor.get("/board").text


def test_a_monitor_reassigns_with_a_reason(server, demo: Demo):
    monitor, token = api_client(server, demo.users["monitor"])
    case = confirmed_case(monitor, token)
    for body, reason in (
        ({"lead": "health", "reason": " "}, "改派理由"),
        ({"lead": "县不存在局", "reason": "职责不符"}, "未知部门"),
        ({"lead": "water", "reason": "职责不符"}, "已是牵头部门"),
        ({"lead": "", "reason": "职责不符"}, "请选择"),
    ):
        refused = step(monitor, token, case["case_id"], "assign", **body)
        assert refused.status_code == 422 and reason in refused.json()["detail"], refused.text
        assert unchanged(monitor, case)
    done = step(monitor, token, case["case_id"], "assign", lead="县卫生健康委员会", reason="涉医疗")
    assert done.status_code == 200, done.text
    after = done.json()
    assert after["lead_department"]["code"] == "health" and after["status"] == "confirmed"
    entry = next(e for e in reversed(after["timeline"]) if e["detail"].get("event") == "assigned")
    assert entry["actor"] == demo.users["monitor"] and entry["detail"]["reason"] == "涉医疗"
    leader, other = api_client(server, demo.users["leader"])
    denied = step(leader, other, case["case_id"], "assign", lead="water", reason="x")
    assert denied.status_code == 403


def test_the_case_page_form_flashes_the_refusal_in_chinese(server, demo: Demo):
    monitor, token = api_client(server, demo.users["monitor"])
    case = confirmed_case(monitor, token)
    path = f"/cases/{case['case_id']}"
    page = monitor.get(path).text
    assert 'id="step-assign"' in page and 'id="step-merge"' in page and 'id="step-meeting"' in page
    sent = monitor.post(f"{path}/steps/assign", data={"csrf_token": token, "lead": "health"})
    assert sent.status_code == 303
    assert "改派未完成: 请填写改派理由" in monitor.get(path).text
    assert unchanged(monitor, case)
    forged = monitor.post(f"{path}/steps/assign", data={"lead": "health", "reason": "x"})
    assert forged.status_code == 403 and unchanged(monitor, case)


def test_the_lead_officer_may_hand_its_case_on_but_not_others(server, demo: Demo):
    monitor, token = api_client(server, demo.users["monitor"])
    mine = confirmed_case(monitor, token, lead=demo.lead)
    foreign = confirmed_case(monitor, token, lead="tax" if demo.lead != "tax" else "water")
    officer, own = api_client(server, demo.users["officer"])
    page = officer.get(f"/cases/{mine['case_id']}").text
    assert 'id="step-assign"' in page and 'name="co"' not in page.split('id="step-assign"')[1]
    assert 'id="step-merge"' not in page and 'id="step-meeting"' not in page
    assert (
        step(officer, own, foreign["case_id"], "assign", lead="water", reason="x").status_code
        == 404
    )
    for name, body in (("merge", {"into": foreign["case_id"]}), ("convene", {})):
        assert step(officer, own, mine["case_id"], name, **body).status_code == 403
    target = "health" if demo.lead != "health" else "water"
    done = step(officer, own, mine["case_id"], "assign", lead=target, reason="不属本部门职责")
    assert done.status_code == 200, done.text
    assert officer.get(f"/api/cases/{mine['case_id']}").status_code == 404, "no longer theirs"
    assert monitor.get(f"/api/cases/{mine['case_id']}").json()["lead_department"]["code"] == target


def outbox(demo: Demo, case_id: str) -> list[dict]:
    stores = demo.stores()
    try:
        return [v for _k, v in stores.state.scan("outbox") if v["case_id"] == case_id]
    finally:
        stores.close()


def test_the_joint_meeting_is_convened_then_recorded_with_its_line(server, demo: Demo):
    monitor, token = api_client(server, demo.users["monitor"])
    case = confirmed_case(monitor, token, severity="major")
    refused = step(monitor, token, case["case_id"], "meeting", line="  ")
    assert refused.status_code == 422 and "口径" in refused.json()["detail"]
    bad_member = step(monitor, token, case["case_id"], "convene", members=["县不存在局"])
    assert bad_member.status_code == 422 and "未知部门" in bad_member.json()["detail"]
    assert unchanged(monitor, case)
    convened = step(monitor, token, case["case_id"], "convene", place="县委三楼会议室")
    assert convened.status_code == 200, convened.text
    events = [e["detail"].get("event") for e in convened.json()["timeline"]]
    assert "meeting_convened" in events
    notices = [n for n in outbox(demo, case["case_id"]) if n["kind"] == "meeting"]
    codes = {r["code"] for n in notices for r in n["recipients"]}
    assert {"propaganda", "public_security", "emergency"} <= codes, notices
    held = (datetime.now(UTC) - timedelta(hours=1)).astimezone().strftime("%Y-%m-%dT%H:%M")
    line = "水源已切换，今晚恢复供水，以县政府通报为准"
    recorded = step(
        monitor,
        token,
        case["case_id"],
        "meeting",
        line=line,
        held_at=held,
        members=["propaganda", "water", "emergency"],
    )
    assert recorded.status_code == 200, recorded.text
    meeting = recorded.json()["timeline"][-1]
    assert meeting["detail"]["event"] == "joint_meeting" and meeting["detail"]["line"] == line
    assert meeting["detail"]["members"] == ["propaganda", "water", "emergency"]
    assert meeting["detail"]["held_at"].startswith(held[:13])
    future = (datetime.now(UTC) + timedelta(days=1)).astimezone().strftime("%Y-%m-%dT%H:%M")
    later = step(monitor, token, case["case_id"], "meeting", line=line, held_at=future)
    assert later.status_code == 422 and "不能晚于现在" in later.json()["detail"]
    ordinary = confirmed_case(monitor, token, importance="ordinary")
    small = step(monitor, token, ordinary["case_id"], "convene")
    assert small.status_code == 409 and "重大或重要" in small.json()["detail"]


def test_a_case_is_merged_into_another_open_case(server, demo: Demo):
    monitor, token = api_client(server, demo.users["monitor"])
    absorbed, target = open_case(monitor, token), open_case(monitor, token)
    for into, reason in (
        (absorbed["case_id"], "并入它自己"),
        ("case-nowhere", "没有案件"),
        ("", "请填写要并入的案件"),
    ):
        refused = step(monitor, token, absorbed["case_id"], "merge", into=into)
        assert refused.status_code == 422 and reason in refused.json()["detail"], refused.text
    assert unchanged(monitor, absorbed)
    done = step(monitor, token, absorbed["case_id"], "merge", into=target["case_id"])
    assert done.status_code == 200 and done.json()["case_id"] == target["case_id"]
    gone = monitor.get(f"/api/cases/{absorbed['case_id']}").json()
    assert gone["status"] == "dismissed"
    assert gone["timeline"][-1]["detail"]["into"] == target["case_id"]
    grown = monitor.get(f"/api/cases/{target['case_id']}").json()
    assert grown["timeline"][-1]["detail"]["event"] == "absorbed"
    third = open_case(monitor, token)
    closed = step(monitor, token, third["case_id"], "merge", into=absorbed["case_id"])
    assert closed.status_code == 422 and "已排除，不能并入" in closed.json()["detail"]
    assert unchanged(monitor, third)


def rumour_case(demo: Demo) -> Case:
    stores = demo.stores()
    try:
        tag = uuid.uuid4().hex[:8]
        items = [hostile_item(f"rumour-{tag}-{n}", f"谣言{n}：定城镇水库决堤") for n in (1, 2)]
        stores.items.put_many(items)
        case = Case(
            case_id=f"case-rumour-{tag}",
            profile="dingan",
            event_id=f"ev-rumour-{tag}",
            title="网传定城镇水库决堤",
            categories=["rumor"],
            risk=90,
            jurisdiction=items[0].jurisdiction,
            items=[i.id for i in items],
            detected_at=items[0].crawled_at,
            opened_at=items[0].crawled_at,
        )
        assert stores.cases.create(case)
        return case
    finally:
        stores.close()


def test_a_rumour_is_handed_over_with_chosen_evidence_and_time(server, demo: Demo):
    case = rumour_case(demo)
    monitor, token = api_client(server, demo.users["monitor"])
    before = monitor.get(f"/api/cases/{case.case_id}").json()
    page = monitor.get(f"/cases/{case.case_id}").text
    assert 'name="evidence"' in page and 'name="at"' in page
    for body, reason in (
        ({"to": "县公安局", "evidence": ["not-an-item"]}, "不是本案的信息"),
        ({"to": " "}, "移交对象"),
        ({"to": "县公安局", "at": "2099-01-01T08:00"}, "不能晚于现在"),
        ({"to": "县公安局", "at": "昨天"}, "格式不对"),
    ):
        refused = step(monitor, token, case.case_id, "handover", **body)
        assert refused.status_code == 422 and reason in refused.json()["detail"], refused.text
    assert unchanged(monitor, before)
    at = (datetime.now(UTC) - timedelta(hours=2)).astimezone().strftime("%Y-%m-%dT%H:%M")
    done = step(
        monitor, token, case.case_id, "handover", to="县委网信办", at=at, evidence=[case.items[1]]
    )
    assert done.status_code == 200, done.text
    handed = done.json()["police_handover"]
    assert handed["to"] == "县委网信办" and handed["evidence"] == [case.items[1]]
    assert handed["at"].startswith(at[:13])
    again = step(monitor, token, case.case_id, "handover", to="县公安局")
    assert again.status_code in (403, 409)
    plain = open_case(monitor, token)
    refused = step(monitor, token, plain["case_id"], "handover", to="县公安局")
    assert refused.status_code == 409 and "造谣传谣" in refused.json()["detail"]
