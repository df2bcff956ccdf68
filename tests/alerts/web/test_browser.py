"""The dashboard in a real headless Chromium against a real `yuqing web`: the case board and
its countdowns, the whole workflow from 研判 to a met clock, what an officer may not open,
hostile crawled content staying inert, CSRF, and the live feed refreshing without a reload."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.alerts.web.conftest import HOSTILE, SCREENSHOTS, XSS_CASE, Demo, hostile_item

pytestmark = pytest.mark.timeout(180)


def shot(session, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    session.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def clock_states(page) -> dict[str, str]:
    rows = page.locator("#clocks tbody tr")
    return {
        rows.nth(i).get_attribute("data-clock"): rows.nth(i).locator(".clock-state").inner_text()
        for i in range(rows.count())
    }


def submit_step(session, step: str, button: str) -> None:
    with session.page.expect_navigation():
        session.page.click(button)
    flash = session.page.locator(".flash").first.inner_text()
    assert "已完成" in flash, f"{step}: {flash}"


def test_board_lists_open_cases_with_running_countdowns(login, demo: Demo):
    monitor = login(demo.users["monitor"])
    page = monitor.page
    rows = page.locator("#case-board tbody tr")
    assert rows.count() >= 10
    countdown = page.locator(".case-row .countdown").first
    first = countdown.inner_text()
    page.wait_for_timeout(1500)
    assert countdown.inner_text() != first, "the countdown ticks in the browser"
    assert re.match(r"(剩余|已超期)", countdown.inner_text())
    classes = " ".join(rows.nth(i).get_attribute("class") for i in range(rows.count()))
    assert re.search(r"u-(running|due_soon|breached)", classes)
    shot(monitor, "case-board")


def test_confirm_acknowledge_respond_and_review_turns_the_clock_to_met(login, demo: Demo):
    path = f"/cases/{demo.workflow_case}"
    monitor = login(demo.users["monitor"])
    monitor.open(path)
    before = clock_states(monitor.page)
    assert "计时中" in before.values()
    monitor.page.select_option("#step-confirm select[name=co]", [])  # 研判: no co-departments
    monitor.page.fill("#step-confirm input[name=note]", "经核实，由牵头部门答复")
    submit_step(monitor, "confirm", "#do-confirm")
    assert monitor.page.locator("#case-status").inner_text() == "已研判"

    officer = login(demo.users["officer"])
    officer.open(path)
    submit_step(officer, "ack", "#do-ack")
    assert officer.page.locator("#case-status").inner_text() == "已签收"
    officer.page.fill("#step-respond textarea[name=text]", "经现场核查，情况已处理，答复如下。")
    submit_step(officer, "respond", "#do-respond")
    for level in ("first", "second"):
        officer.page.select_option(".review-form select[name=level]", level)
        submit_step(officer, f"review {level}", ".review-form button[value=pass]")

    leader = login(demo.users["leader"])
    leader.open(path)
    leader.page.select_option(".review-form select[name=level]", "final")
    submit_step(leader, "review final", ".review-form button[value=pass]")
    page = leader.page
    assert page.locator("#case-status").inner_text() == "已回应"
    after = clock_states(page)
    turned = [
        name for name, state in after.items() if state == "已达成" and before.get(name) != "已达成"
    ]
    assert turned, f"no clock turned to met: {before} → {after}"
    assert page.locator(f"#clocks tr[data-clock={turned[0]}] .countdown").inner_text() == "已达成"
    actors = page.locator("#timeline .tl-actor").all_inner_texts()
    for user in (demo.users["monitor"], demo.users["officer"], demo.users["leader"]):
        assert user in actors, f"{user} is not on the timeline"
    shot(leader, "case-page")


def test_an_officer_cannot_open_another_departments_case(login, demo: Demo):
    officer = login(demo.users["officer"])
    response = officer.open(f"/cases/{demo.foreign_case}")
    assert response.status == 404
    assert "未找到" in officer.page.inner_text("body")
    api = officer.page.request.get(f"{officer.base}/api/cases/{demo.foreign_case}")
    assert api.status == 404
    listed = officer.page.request.get(f"{officer.base}/api/cases").json()
    assert demo.foreign_case not in {c["case_id"] for c in listed}
    assert all(
        demo.lead in [d["code"] for d in [c["lead_department"], *c["co_departments"]] if d]
        for c in listed
    )


def test_hostile_crawled_content_stays_text(login, demo: Demo):
    monitor = login(demo.users["monitor"])
    page = monitor.page
    for path in ("/feed", f"/cases/{XSS_CASE}", "/board"):
        monitor.open(path)
        page.wait_for_timeout(600)
        body = page.inner_text("body")
        assert "<script>alert(1)</script>" in body, path
        assert '<iframe src="http://example.invalid/steal"></iframe>' in body, path
        assert page.locator("iframe").count() == 0, path
        assert page.locator("a[href^='javascript']").count() == 0, path
        assert page.locator("img[src=x]").count() == 0, path
    monitor.open("/feed?q=论坛编辑器")  # the demo forum's own XSS post
    page.wait_for_timeout(600)
    assert "论坛编辑器" in page.inner_text("#feed-list")
    page.wait_for_timeout(1500)  # let the feed poll redraw it from JSON once
    assert page.locator("iframe").count() == 0
    assert monitor.dialogs == [], "a script from crawled text ran"


def test_posts_without_the_csrf_token_are_refused(login, demo: Demo, server):
    monitor = login(demo.users["monitor"])
    request = monitor.page.request
    case_url = f"{server}/api/cases/{demo.api_case}"
    before = len(request.get(case_url).json()["timeline"])
    step = request.post(f"{server}/cases/{demo.api_case}/steps/report", form={"to": "县领导"})
    assert step.status == 403
    wrong = request.post(
        f"{server}/cases/{demo.api_case}/steps/report", form={"to": "x", "csrf_token": "forged"}
    )
    assert wrong.status == 403
    assert request.post(f"{server}/logout", form={}).status == 403
    api = request.post(f"{case_url}/steps/report", data={"to": "x"})
    assert api.status == 403
    assert len(request.get(case_url).json()["timeline"]) == before, "nothing was recorded"
    monitor.open("/board")
    assert monitor.page.url.endswith("/board"), (
        "still logged in: logout without a token did nothing"
    )
    with monitor.page.expect_navigation():
        monitor.page.click("button:has-text('退出')")
    assert "/login" in monitor.page.url


def test_the_feed_refreshes_without_a_reload(login, demo: Demo):
    monitor = login(demo.users["monitor"])
    monitor.open("/feed")
    page = monitor.page
    page.evaluate("window.__noReload = true")
    stores = demo.stores()
    try:
        stores.items.put_many([hostile_item("fresh-item", "龙湖镇刚刚发生的新帖子", risk=50)])
    finally:
        stores.close()
    # (wait_for_function would need 'unsafe-eval', which the CSP rightly refuses)
    expect(page.locator("#feed-list")).to_contain_text("龙湖镇刚刚发生的新帖子", timeout=15000)
    assert page.evaluate("window.__noReload") is True
    assert "已刷新" in page.inner_text("#feed-status")
    assert page.locator("#feed-list .feed-item").first.get_attribute("data-item-id") == "fresh-item"
    monitor.open("/feed?q=水库")
    page.wait_for_timeout(300)
    shot(monitor, "feed")


def test_findings_accountability_and_trends_render(login, demo: Demo):
    monitor = login(demo.users["monitor"])
    monitor.open("/findings")
    assert "网站被篡改" in monitor.page.inner_text("body")
    shot(monitor, "findings")
    monitor.open("/accountability")
    assert monitor.page.locator("#accountability").count() == 1
    shot(monitor, "accountability")
    monitor.open("/trends")
    assert monitor.page.locator("svg.chart").count() == 2
    assert monitor.page.locator("svg.chart rect").count() > 5
    shot(monitor, "trends")
    officer = login(demo.users["officer"])
    assert officer.open("/findings").status == 404
    assert "异常发现" not in officer.page.inner_text("nav")
    assert HOSTILE  # (imported for the hostile-content test)
