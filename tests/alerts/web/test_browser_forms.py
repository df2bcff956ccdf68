"""Issue #10's forms in a real headless Chromium: a monitor reassigns a case and runs its joint
meeting from the case page; an admin adds a user on 用户管理 who can then log in."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.alerts.web.conftest import PASSWORD, SCREENSHOTS, Demo, api_client

pytestmark = pytest.mark.timeout(180)


def submit(session, button: str) -> str:
    with session.page.expect_navigation():
        session.page.click(button)
    return session.page.locator(".flash").first.inner_text()


def test_a_monitor_reassigns_and_runs_the_joint_meeting(login, server, demo: Demo):
    client, token = api_client(server, demo.users["monitor"])
    opened = client.post(
        "/api/cases",
        json={
            "title": f"上级要求回应：龙湖镇停水 {uuid.uuid4().hex[:6]}",
            "lead": "water",
            "severity": "major",
            "town": "龙湖镇",
        },
        headers={"X-CSRF-Token": token},
    ).json()
    case_id = opened["case_id"]
    confirmed = client.post(
        f"/api/cases/{case_id}/steps/confirm", json={}, headers={"X-CSRF-Token": token}
    )
    assert confirmed.status_code == 200, confirmed.text

    monitor = login(demo.users["monitor"])
    page = monitor.page
    monitor.open(f"/cases/{case_id}")
    page.click("#step-assign summary")
    page.select_option("#step-assign select[name=lead]", "health")
    page.fill("#step-assign input[name=reason]", "涉及饮用水卫生，由卫健委牵头")
    assert "改派: 已完成" in submit(monitor, "#do-assign")
    expect(page.locator(".depts .tag-lead + b")).to_have_text("县卫生健康委员会")
    expect(page.locator("#timeline")).to_contain_text("涉及饮用水卫生，由卫健委牵头")

    page.click("#step-meeting summary")
    page.fill("#convene-form input[name=place]", "县委三楼会议室")
    assert "召集联席会议: 已完成" in submit(monitor, "#do-convene")
    expect(page.locator("#timeline")).to_contain_text("已通知")
    page.click("#step-meeting summary")
    assert page.locator("#convene-form").count() == 0, "convened once; now record it"
    line = "龙湖镇已切换备用水源，今晚8时前恢复供水"
    page.fill("#meeting-form textarea[name=line]", line)
    assert "联席会议记录: 已完成" in submit(monitor, "#do-meeting")
    expect(page.locator("#timeline")).to_contain_text(f"口径: {line}")
    actors = set(page.locator("#timeline .tl-actor").all_inner_texts())
    assert demo.users["monitor"] in actors
    assert monitor.dialogs == []


def test_an_admin_adds_a_user_who_can_then_log_in(login, demo: Demo):
    admin = login(demo.users["admin"])
    page = admin.page
    page.click("nav >> text=用户管理")
    page.wait_for_url("**/admin/users")
    name = f"zhang{uuid.uuid4().hex[:5]}"
    form = page.locator("#add-user")
    form.locator("input[name=username]").fill(name)
    form.locator("select[name=role]").select_option("officer")
    form.locator("select[name=department]").select_option(label="县水务局")
    form.locator("input[name=password]").fill(PASSWORD)
    assert f"已新增用户 {name}" in submit(admin, "#do-add-user")
    row = page.locator(f"#users tr[data-user={name}]")
    expect(row).to_contain_text("县水务局")
    expect(row.locator(".user-state")).to_have_text("在用")
    expect(page.locator("#user-audit")).to_contain_text(f"新增用户 {name}")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "users.png"))

    newcomer = login(name)
    expect(newcomer.page.locator(".who-name")).to_have_text(name)
    expect(newcomer.page.locator(".who-role")).to_contain_text("县水务局")
    assert "用户管理" not in newcomer.page.inner_text("nav")
    assert newcomer.open("/admin/users").status == 403
