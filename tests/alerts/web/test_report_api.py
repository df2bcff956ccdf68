"""The report records as JSON, with httpx against the real `yuqing web` on the demo data: the
same role rules as the 报告 page (officers 403, a monitor never approves, the drafter never
reviews), the X-CSRF-Token header on every change, no server paths in the answer, a send of an
approved report that cannot reach the leaders says so and leaves it approved — and the case
page's button drafts a 专报 and leads to the 报告 page."""

from __future__ import annotations

import httpx
import pytest

from tests.alerts.web.conftest import Demo, api_client

pytestmark = pytest.mark.timeout(180)
PAST_WEEK = "2026-01-07"  # a period no other test drafts (its id: weekly-2026-01-05)


def _post(client: httpx.Client, token: str, path: str, **body: object) -> httpx.Response:
    return client.post(path, json=body, headers={"X-CSRF-Token": token})


def test_reading_reports_needs_a_session_and_is_not_for_officers(server, demo: Demo):
    assert httpx.get(f"{server}/api/reports", timeout=10).status_code == 401
    officer, token = api_client(server, demo.users["officer"])
    assert officer.get("/api/reports").status_code == 403
    assert _post(officer, token, "/api/reports", kind="daily").status_code == 403
    monitor, _ = api_client(server, demo.users["monitor"])
    assert monitor.get("/api/reports").status_code == 200
    assert monitor.get("/api/reports/no-such-report").status_code == 404


def test_draft_review_approve_and_send_follow_the_roles(server, demo: Demo):
    monitor, m_token = api_client(server, demo.users["monitor"])
    forged = monitor.post("/api/reports", json={"kind": "weekly", "date": PAST_WEEK})
    assert forged.status_code == 403, "no CSRF token, nothing drafted"
    assert _post(monitor, m_token, "/api/reports", kind="weekly", date="07/01").status_code == 422
    drafted = _post(monitor, m_token, "/api/reports", kind="weekly", date=PAST_WEEK)
    assert drafted.status_code == 201, drafted.text
    record = drafted.json()
    report_id = record["report_id"]
    assert report_id == "weekly-2026-01-05" and record["status"] == "draft"
    assert record["actions"] == [] and "claim" not in record
    assert set(record["files"]) == {"docx", "html"}
    assert record["files"]["docx"]["url"] == f"/reports/{report_id}/files/docx"
    assert str(demo.data) not in drafted.text, "no server paths"
    assert monitor.get(record["files"]["docx"]["url"]).status_code == 200
    listed = {r["report_id"]: r for r in monitor.get("/api/reports").json()}
    assert listed[report_id]["status"] == "draft"

    own = _post(monitor, m_token, f"/api/reports/{report_id}/review")
    assert own.status_code == 409 and "编制人不能审核" in own.json()["detail"]
    assert monitor.post(f"/api/reports/{report_id}/review").status_code == 403  # no token
    leader, l_token = api_client(server, demo.users["leader"])
    early = _post(leader, l_token, f"/api/reports/{report_id}/approve")
    assert early.status_code == 409 and "尚未经负责人审核" in early.json()["detail"]
    admin, a_token = api_client(server, demo.users["admin"])
    reviewed = _post(admin, a_token, f"/api/reports/{report_id}/review", note="数据已核对")
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "reviewed"
    assert _post(monitor, m_token, f"/api/reports/{report_id}/approve").status_code == 403
    no_reason = _post(leader, l_token, f"/api/reports/{report_id}/reject")
    assert no_reason.status_code == 409 and "理由" in no_reason.json()["detail"]
    approved = _post(leader, l_token, f"/api/reports/{report_id}/approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["approved_by"] == "boss"
    assert "send" in leader.get(f"/api/reports/{report_id}").json()["actions"]

    sent = _post(monitor, m_token, f"/api/reports/{report_id}/send")
    assert sent.status_code == 409, sent.text  # the demo's leaders have no reachable address
    assert monitor.get(f"/api/reports/{report_id}").json()["status"] == "approved"
    assert _post(monitor, m_token, f"/api/reports/{report_id}/publish").status_code == 404


def test_a_case_report_by_api_and_from_the_case_page(server, demo: Demo, login):
    officer, o_token = api_client(server, demo.users["officer"])
    refused = _post(officer, o_token, "/api/reports", kind="case", case_id=demo.workflow_case)
    assert refused.status_code == 403
    monitor, m_token = api_client(server, demo.users["monitor"])
    missing = _post(monitor, m_token, "/api/reports", kind="case", case_id="case-nowhere")
    assert missing.status_code == 404

    officer_page = login(demo.users["officer"])
    officer_page.open(f"/cases/{demo.workflow_case}")
    assert officer_page.page.locator("#do-case-report").count() == 0
    forged = officer_page.page.request.post(
        f"{server}/cases/{demo.workflow_case}/report", form={"csrf_token": "forged"}
    )
    assert forged.status == 403

    session = login(demo.users["monitor"])
    session.open(f"/cases/{demo.api_case}")
    with session.page.expect_navigation():
        session.page.click("#do-case-report")
    assert "/reports" in session.page.url
    message = session.page.locator(".flash").first.inner_text()
    assert "专报" in message and "已生成" in message, message
    report_id = message.split("已生成 ")[1].split("（")[0]
    row = session.page.locator(f"tr.report-row[data-report='{report_id}']")
    assert row.count() == 1
    record = monitor.get(f"/api/reports/{report_id}").json()
    assert record["kind"] == "case" and record["case_id"] == demo.api_case
    assert record["drafted_by"] == demo.users["monitor"] and record["status"] == "draft"
