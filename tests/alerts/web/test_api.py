"""The JSON API of contracts.md ("Web API") with httpx against the real `yuqing web`: login,
401 without a session, what an officer may see (404, not 403), CSRF on state changes, the feed
filters, findings, security headers and login throttling."""

from __future__ import annotations

import httpx
import pytest

from tests.alerts.web.conftest import PASSWORD, XSS_CASE, Demo, api_client

pytestmark = pytest.mark.timeout(120)
CASE_FIELDS = {
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
}


def departments(case: dict) -> list[str]:
    return [d["code"] for d in [case["lead_department"], *case["co_departments"]] if d]


def test_login_sets_a_strict_http_only_cookie_and_wrong_credentials_are_401(server, demo: Demo):
    client = httpx.Client(base_url=server)
    bad = client.post("/api/login", json={"username": demo.users["monitor"], "password": "nope"})
    assert bad.status_code == 401
    unknown = client.post("/api/login", json={"username": "nobody", "password": PASSWORD})
    assert unknown.status_code == 401
    good = client.post("/api/login", json={"username": demo.users["monitor"], "password": PASSWORD})
    assert good.status_code == 200
    cookie = good.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert good.json()["user"]["role"] == "monitor" and good.json()["csrf_token"]
    assert "password_hash" not in good.text


@pytest.mark.parametrize(
    "path", ["/api/cases", "/api/cases/anything", "/api/items", "/api/findings", "/api/me"]
)
def test_without_a_session_the_api_answers_401(server, path):
    assert httpx.get(f"{server}{path}").status_code == 401
    forged = httpx.get(f"{server}{path}", cookies={"yuqing_session": "abc.def"})
    assert forged.status_code == 401


def test_monitor_sees_every_case_with_the_contract_fields(server, demo: Demo):
    client, _ = api_client(server, demo.users["monitor"])
    cases = client.get("/api/cases").json()
    stores = demo.stores()
    try:
        assert len(cases) == len(stores.cases.list())
    finally:
        stores.close()
    for case in cases:
        assert set(case) >= CASE_FIELDS
    one = client.get(f"/api/cases/{demo.workflow_case}").json()
    assert one["case_id"] == demo.workflow_case
    assert client.get("/api/cases/case-does-not-exist").status_code == 404


def test_an_officer_sees_only_their_departments_cases(server, demo: Demo):
    client, _ = api_client(server, demo.users["officer"])
    cases = client.get("/api/cases").json()
    assert cases, "the officer's department leads at least the workflow case"
    assert all(demo.lead in departments(c) for c in cases)
    assert client.get(f"/api/cases/{demo.foreign_case}").status_code == 404
    assert client.get(f"/api/cases/{XSS_CASE}").status_code == 404
    assert client.get("/api/cases/case-does-not-exist").status_code == 404
    items = client.get("/api/items", params={"limit": 200}).json()
    assert all(demo.lead in [d["code"] for d in i["departments"]] for i in items)
    assert client.get("/api/findings").status_code == 403


def test_a_step_needs_the_csrf_token_and_lands_on_the_timeline(server, demo: Demo):
    client, token = api_client(server, demo.users["monitor"])
    path = f"/api/cases/{demo.api_case}/steps/report"
    assert client.post(path, json={"to": "分管县领导"}).status_code == 403
    forged = client.post(path, json={"to": "分管县领导"}, headers={"X-CSRF-Token": "forged"})
    assert forged.status_code == 403
    cross = client.post(
        path,
        json={"to": "分管县领导"},
        headers={"X-CSRF-Token": token, "Origin": "http://evil.example"},
    )
    assert cross.status_code == 403
    done = client.post(path, json={"to": "分管县领导"}, headers={"X-CSRF-Token": token})
    assert done.status_code == 200, done.text
    last = done.json()["timeline"][-1]
    assert last["actor"] == demo.users["monitor"] and last["detail"]["event"] == "report_delivered"


def test_roles_limit_the_steps(server, demo: Demo):
    officer, token = api_client(server, demo.users["officer"])
    denied = officer.post(
        f"/api/cases/{demo.api_case}/steps/confirm", json={}, headers={"X-CSRF-Token": token}
    )
    assert denied.status_code in (403, 404)  # 404 when the case is not theirs at all
    leader, token = api_client(server, demo.users["leader"])
    refused = leader.post(
        f"/api/cases/{demo.api_case}/steps/ack", json={}, headers={"X-CSRF-Token": token}
    )
    assert refused.status_code == 403
    monitor, token = api_client(server, demo.users["monitor"])
    wrong_order = monitor.post(
        f"/api/cases/{demo.api_case}/steps/close", json={}, headers={"X-CSRF-Token": token}
    )
    assert wrong_order.status_code == 409
    body = wrong_order.json()
    assert (body["code"], body["step"]) == ("wrong_status", "close")
    assert body["detail"].startswith("案件当前状态为「"), body


def test_logout_needs_the_token_and_ends_the_session(server, demo: Demo):
    client, token = api_client(server, demo.users["admin"])
    assert client.post("/api/logout").status_code == 403
    assert client.get("/api/me").status_code == 200
    cookie = client.cookies.get("yuqing_session")
    assert client.post("/api/logout", headers={"X-CSRF-Token": token}).status_code == 200
    replay = httpx.Client(base_url=server, cookies={"yuqing_session": cookie})
    assert replay.get("/api/cases").status_code == 401, "the old cookie is dead server-side"


def test_the_feed_filters(server, demo: Demo):
    client, _ = api_client(server, demo.users["monitor"])
    newest = client.get("/api/items").json()
    times = [i["crawled_at"] for i in newest]
    assert times == sorted(times, reverse=True)
    for item in client.get("/api/items", params={"q": "水库"}).json():
        assert "水库" in item["title"] + item["text"]
    risky = client.get("/api/items", params={"min_risk": 70}).json()
    assert risky and all(i["risk"] >= 70 for i in risky)
    rumours = client.get("/api/items", params={"category": "rumor"}).json()
    assert rumours and all("rumor" in i["categories"] for i in rumours)
    town = client.get("/api/items", params={"town": "469021100"}).json()
    assert town and all(i["jurisdiction"]["code"] == "469021100" for i in town)
    forums = client.get("/api/items", params={"source": "forum", "limit": 5}).json()
    assert 0 < len(forums) <= 5 and all(i["source_type"] == "forum" for i in forums)


def test_findings_show_the_defaced_site(server, demo: Demo):
    client, _ = api_client(server, demo.users["leader"])
    kinds = {f["kind"] for f in client.get("/api/findings").json()}
    assert "site_tampering" in kinds


def test_pages_carry_a_strict_content_security_policy(server):
    response = httpx.get(f"{server}/login")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert "<script>" not in response.text  # no inline script anywhere


def test_repeated_wrong_passwords_lock_the_name_for_a_while(server, demo: Demo):
    client = httpx.Client(base_url=server)
    name = demo.users["throttled"]
    codes = [
        client.post("/api/login", json={"username": name, "password": "wrong"}).status_code
        for _ in range(6)
    ]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    right = client.post("/api/login", json={"username": name, "password": PASSWORD})
    assert right.status_code == 429
