"""The 报告 page in a real headless Chromium against a real `yuqing web`: a monitor drafts the
weekly report, an admin reviews it, a leader approves it (领导审核把关) — each only with the
buttons their role may use — the Word file downloads and opens, officers do not see reports,
and a form posted without the CSRF token changes nothing."""

from __future__ import annotations

import io
import json

import pytest
from docx import Document

from tests.alerts.web.conftest import Demo, yuqing

pytestmark = pytest.mark.timeout(180)


def flash(session) -> str:
    return session.page.locator(".flash").first.inner_text()


def row(session, report_id: str):
    return session.page.locator(f"tr.report-row[data-report='{report_id}']")


def buttons(session, report_id: str) -> set[str]:
    found = row(session, report_id).locator("button[data-step]")
    return {found.nth(i).get_attribute("data-step") for i in range(found.count())}


def click_step(session, report_id: str, step: str) -> str:
    with session.page.expect_navigation():
        row(session, report_id).locator(f"button[data-step={step}]").click()
    return flash(session)


def stored(demo: Demo, report_id: str) -> dict:
    shown = yuqing("report", "show", report_id, "--json", "--data", str(demo.data))
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def test_a_leader_approves_a_reviewed_report_on_the_page(login, demo: Demo):
    monitor = login(demo.users["monitor"])
    monitor.open("/reports")
    page = monitor.page
    assert page.locator("nav.mainnav a.active").inner_text() == "报告"
    page.select_option("#report-draft select[name=kind]", "weekly")
    with page.expect_navigation():
        page.click("#do-draft")
    assert "已生成" in flash(monitor), flash(monitor)
    report_id = page.locator("tr.report-row").first.get_attribute("data-report")
    assert report_id.startswith("weekly-")
    assert row(monitor, report_id).locator(".report-status").inner_text() == "草稿"
    assert buttons(monitor, report_id) == set(), "the drafter may not review their own report"

    leader = login(demo.users["leader"])
    leader.open("/reports")
    assert "approve" not in buttons(leader, report_id), "no approval before review"

    admin = login(demo.users["admin"])
    admin.open("/reports")
    assert "review" in buttons(admin, report_id)
    assert "已完成" in click_step(admin, report_id, "review")
    assert row(admin, report_id).locator(".report-status").inner_text() == "已审核"

    leader.open("/reports")
    assert {"approve", "reject"} <= buttons(leader, report_id)
    assert "已完成" in click_step(leader, report_id, "approve")
    assert row(leader, report_id).locator(".report-status").inner_text() == "已批准"
    assert "批准 boss" in row(leader, report_id).inner_text()
    assert "send" in buttons(leader, report_id)

    record = stored(demo, report_id)
    assert record["status"] == "approved"
    assert [(s["actor"], s["action"]) for s in record["history"]] == [
        (demo.users["monitor"], "draft"),
        (demo.users["admin"], "review"),
        (demo.users["leader"], "approve"),
    ]
    link = row(leader, report_id).locator("a.report-file[href$='/docx']").get_attribute("href")
    download = leader.page.request.get(f"{leader.base}{link}")
    assert download.status == 200
    assert "attachment" in download.headers["content-disposition"]
    document = Document(io.BytesIO(download.body()))
    assert "舆情周报" in document.paragraphs[0].text and document.tables


def test_officers_do_not_see_reports_and_forms_need_the_token(login, demo: Demo, server):
    officer = login(demo.users["officer"])
    assert officer.open("/reports").status == 404
    assert officer.page.request.get(f"{server}/reports/any/files/docx").status == 404

    monitor = login(demo.users["monitor"])
    request = monitor.page.request
    drafted = request.post(f"{server}/reports/draft", form={"kind": "monthly"})
    assert drafted.status == 403
    forged = request.post(
        f"{server}/reports/draft", form={"kind": "monthly", "csrf_token": "forged"}
    )
    assert forged.status == 403
    listed = yuqing("report", "list", "--json", "--data", str(demo.data))
    assert not any(r["kind"] == "monthly" for r in json.loads(listed.stdout)), "nothing drafted"


def test_a_send_that_cannot_reach_the_leaders_says_so_and_stays_approved(login, demo: Demo):
    data = str(demo.data)
    drafted = yuqing(
        "report", "daily", "--data", data, "--out", str(demo.data / "r"), "--as", "mon"
    )
    assert drafted.returncode == 0, drafted.stderr
    report_id = next(r["report_id"] for r in json.loads(
        yuqing("report", "list", "--json", "--data", data).stdout) if r["kind"] == "daily")  # fmt: skip
    for step, actor in (("review", "root"), ("approve", "boss")):
        done = yuqing("report", step, report_id, "--as", actor, "--data", data)
        assert done.returncode == 0, done.stderr
    monitor = login(demo.users["monitor"])
    monitor.open("/reports")
    message = click_step(monitor, report_id, "send")
    assert "发送未完成" in message and "未送达" in message, message
    assert row(monitor, report_id).locator(".report-status").inner_text() == "已批准"
    assert stored(demo, report_id)["deliveries"][0]["state"] == "failed"
