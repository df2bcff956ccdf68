"""用户管理 over the real `yuqing web`: admins list, add, change, disable / enable and reset
passwords (through the page and the API, CSRF-checked, every action in the audit trail);
everyone else gets 403; a disabled account can neither log in nor keep its session."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.alerts.web.conftest import PASSWORD, Demo, api_client

pytestmark = pytest.mark.timeout(120)


def h(token: str) -> dict[str, str]:
    return {"X-CSRF-Token": token}


def new_name() -> str:
    return f"u{uuid.uuid4().hex[:8]}"


def can_log_in(server: str, name: str, password: str = PASSWORD) -> bool:
    response = httpx.post(f"{server}/api/login", json={"username": name, "password": password})
    return response.status_code == 200


@pytest.mark.parametrize("role", ["monitor", "leader", "officer"])
def test_only_admins_manage_users(server, demo: Demo, role: str):
    client, token = api_client(server, demo.users[role])
    assert client.get("/api/users").status_code == 403
    assert client.get("/api/users/audit").status_code == 403
    body = {"username": new_name(), "role": "admin", "password": PASSWORD}
    assert client.post("/api/users", json=body, headers=h(token)).status_code == 403
    assert not can_log_in(server, body["username"])
    target = demo.users["monitor"]
    assert (
        client.post(
            f"/api/users/{target}/active", json={"active": False}, headers=h(token)
        ).status_code
        == 403
    )
    page = client.get("/admin/users")
    assert page.status_code == 403 and "仅管理员" in page.text
    form = {"csrf_token": token, "username": new_name(), "role": "admin", "password": PASSWORD}
    assert client.post("/admin/users", data=form).status_code == 403
    assert "用户管理" not in client.get("/board").text
    assert httpx.get(f"{server}/api/users").status_code == 401


def test_an_admin_adds_changes_disables_and_resets_through_the_api(server, demo: Demo):
    admin, token = api_client(server, demo.users["admin"])
    listed = admin.get("/api/users")
    assert listed.status_code == 200 and "password_hash" not in listed.text
    assert {demo.users["monitor"], demo.users["officer"]} <= {u["username"] for u in listed.json()}
    name = new_name()
    body = {"username": name, "role": "officer", "password": PASSWORD, "department": "县水务局"}
    assert admin.post("/api/users", json=body).status_code == 403, "the token is required"
    added = admin.post("/api/users", json=body, headers=h(token))
    assert added.status_code == 201 and added.json()["department"] == "water"
    client, _ = api_client(server, name)
    assert all(
        "water" in [d["code"] for d in [c["lead_department"], *c["co_departments"]] if d]
        for c in client.get("/api/cases").json()
    )
    changed = admin.post(f"/api/users/{name}/role", json={"role": "monitor"}, headers=h(token))
    assert changed.status_code == 200 and changed.json()["department"] is None
    assert client.get("/api/me").json()["user"]["role"] == "monitor", "takes effect at once"
    off = admin.post(f"/api/users/{name}/active", json={"active": False}, headers=h(token))
    assert off.status_code == 200 and off.json()["active"] is False
    assert client.get("/api/me").status_code == 401, "a disabled account's session dies"
    assert not can_log_in(server, name)
    on = admin.post(f"/api/users/{name}/active", json={"active": True}, headers=h(token))
    assert on.status_code == 200 and can_log_in(server, name)
    fresh = "a-new-long-password"
    reset = admin.post(f"/api/users/{name}/password", json={"password": fresh}, headers=h(token))
    assert reset.status_code == 200
    assert not can_log_in(server, name) and can_log_in(server, name, fresh)
    audit = admin.get("/api/users/audit").json()
    mine = [e for e in audit if e["target"] == name]
    assert [e["action"] for e in mine] == ["password", "enable", "disable", "change", "add"]
    assert all(e["actor"] == demo.users["admin"] for e in mine)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"role": "officer", "password": PASSWORD}, "必须属于一个部门"),
        ({"role": "officer", "password": PASSWORD, "department": "县不存在局"}, "未知部门"),
        ({"role": "boss", "password": PASSWORD}, "未知角色"),
        ({"role": "monitor", "password": "short"}, "至少 8 个字符"),
    ],
)
def test_bad_accounts_are_refused_in_chinese(server, demo: Demo, body: dict, reason: str):
    admin, token = api_client(server, demo.users["admin"])
    name = new_name()
    refused = admin.post("/api/users", json={"username": name, **body}, headers=h(token))
    assert refused.status_code == 422 and reason in refused.json()["detail"]
    assert name not in {u["username"] for u in admin.get("/api/users").json()}


def test_an_admin_cannot_lock_themself_out(server, demo: Demo):
    admin, token = api_client(server, demo.users["admin"])
    me = demo.users["admin"]
    off = admin.post(f"/api/users/{me}/active", json={"active": False}, headers=h(token))
    assert off.status_code == 422 and "自己" in off.json()["detail"]
    demote = admin.post(f"/api/users/{me}/role", json={"role": "monitor"}, headers=h(token))
    assert demote.status_code == 422
    assert admin.get("/api/me").json()["user"]["role"] == "admin"
    taken = admin.post(
        "/api/users",
        json={"username": demo.users["monitor"], "role": "monitor", "password": PASSWORD},
        headers=h(token),
    )
    assert taken.status_code == 422 and "已存在" in taken.json()["detail"]


def test_the_user_page_lists_accounts_and_its_forms_work(server, demo: Demo):
    admin, token = api_client(server, demo.users["admin"])
    page = admin.get("/admin/users")
    assert page.status_code == 200 and "用户管理" in page.text
    assert f'data-user="{demo.users["officer"]}"' in page.text and "部门联络员" in page.text
    name = new_name()
    form = {"csrf_token": token, "username": name, "role": "leader", "password": PASSWORD}
    assert admin.post("/admin/users", data={**form, "csrf_token": "forged"}).status_code == 403
    assert admin.post("/admin/users", data=form).status_code == 303
    listed = admin.get("/admin/users").text
    assert f"已新增用户 {name}" in listed and f'data-user="{name}"' in listed
    assert f"新增用户 {name}: 领导" in listed, "the audit trail is on the page"
    bad = {**form, "username": new_name(), "role": "officer", "department": "县不存在局"}
    admin.post("/admin/users", data=bad)
    assert "未完成: 未知部门「县不存在局」" in admin.get("/admin/users").text
    admin.post(f"/admin/users/{name}/active", data={"csrf_token": token, "active": "0"})
    assert "已停用用户" in admin.get("/admin/users").text and not can_log_in(server, name)
    admin.post(f"/admin/users/{name}/password", data={"csrf_token": token, "password": "x"})
    assert "密码至少 8 个字符" in admin.get("/admin/users").text
