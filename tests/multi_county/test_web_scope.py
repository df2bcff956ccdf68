"""The dashboard of a two-county deployment: an account belongs to one profile (admins see
every one), an officer sees only their profile's AND department's cases — the JSON API and
the case page alike — and `yuqing users add --profile` checks the profile and department."""

from __future__ import annotations

import warnings

import pytest
from click.testing import CliRunner

from alerts.web.commands import users as users_command
from alerts.web.users import UserDirectory
from pipeline.config import load_settings
from pipeline.storage.sqlite import open_sqlite_stores
from tests.multi_county.conftest import Deployment

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PASSWORD = "county-two-demo"
ACCOUNTS = {  # name → (role, department, --profile)
    "tc-water": ("officer", "县水务局", "tunchang"),
    "dn-water": ("officer", "water", None),  # made without a profile: the default (dingan)
    "tc-monitor": ("monitor", None, "tunchang"),
    "boss": ("admin", None, None),
}


@pytest.fixture(scope="module")
def web(two_counties: Deployment):
    runner = CliRunner()
    for name, (role, dept, profile) in ACCOUNTS.items():
        args = ["add", name, "--role", role, "--config", str(two_counties.config)]
        args += ["--department", dept] if dept else []
        args += ["--profile", profile] if profile else []
        result = runner.invoke(users_command, args, input=PASSWORD + "\n")
        assert result.exit_code == 0, result.output
    from alerts.web.app import create_app

    with TestClient(create_app(load_settings(two_counties.config))) as client:
        yield client


def login(client: TestClient, name: str) -> TestClient:
    client.cookies.clear()
    response = client.post("/api/login", json={"username": name, "password": PASSWORD})
    assert response.status_code == 200
    return client


def visible(client: TestClient, name: str) -> set[str]:
    response = login(client, name).get("/api/cases")
    assert response.status_code == 200
    return {c["case_id"] for c in response.json()}


def test_users_add_stores_the_profile_and_checks_it(two_counties: Deployment, web) -> None:
    stores = open_sqlite_stores(load_settings(two_counties.config).store_path)
    try:
        directory = UserDirectory(stores.state)
        tc, dn = directory.get("tc-water"), directory.get("dn-water")
    finally:
        stores.close()
    assert tc is not None and (tc.profile, tc.department) == ("tunchang", "water")
    assert dn is not None and dn.profile is None
    result = CliRunner().invoke(
        users_command,
        ["add", "x1", "--role", "monitor", "--profile", "nowhere"]
        + ["--config", str(two_counties.config)],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 2
    assert (
        "unknown profile 'nowhere'" in result.output and "dingan, tunchang, hainan" in result.output
    )
    result = CliRunner().invoke(
        users_command,
        ["add", "x2", "--role", "officer", "--department", "省水务厅", "--profile", "tunchang"]
        + ["--config", str(two_counties.config)],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 2 and "profile tunchang" in result.output


def test_an_officer_sees_only_their_countys_department(two_counties: Deployment, web) -> None:
    dingan_water = two_counties.case_of("d-water").case_id
    tunchang_water = two_counties.case_of("t-water").case_id
    assert visible(web, "tc-water") == {tunchang_water}
    assert visible(web, "dn-water") == {dingan_water, two_counties.case_of("d-water-2").case_id}
    login(web, "tc-water")
    assert web.get(f"/api/cases/{tunchang_water}").status_code == 200
    assert web.get(f"/api/cases/{dingan_water}").status_code == 404
    assert web.get(f"/cases/{dingan_water}").status_code == 404
    page = web.get(f"/cases/{tunchang_water}")
    assert page.status_code == 200 and "南吕镇" in page.text


def test_monitors_see_their_profile_and_admins_see_all(two_counties: Deployment, web) -> None:
    everything = {c.case_id for c in two_counties.cases}
    tunchang = {c.case_id for c in two_counties.cases if c.profile == "tunchang"}
    assert {c.profile for c in two_counties.cases} == {"dingan", "tunchang", "hainan"}
    assert visible(web, "tc-monitor") == tunchang
    assert visible(web, "boss") == everything
    cross = two_counties.case_of("cross").case_id
    login(web, "tc-monitor")
    assert web.get(f"/api/cases/{cross}").status_code == 404


def test_the_feed_shows_an_officer_only_their_countys_items(two_counties: Deployment, web) -> None:
    """Department codes repeat across counties: 屯昌's 水务局 must not read 定安's water items."""
    items = login(web, "tc-water").get("/api/items", params={"limit": 200})
    assert items.status_code == 200
    profiles = {i["profile"] for i in items.json()}
    assert profiles == {"tunchang"}, profiles
    everything = login(web, "boss").get("/api/items", params={"limit": 200}).json()
    assert {"dingan", "tunchang"} <= {i["profile"] for i in everything}


def _csrf(client: TestClient) -> str:
    return client.get("/api/me").json()["csrf_token"]


def test_pages_list_the_users_own_countys_towns_and_departments(
    two_counties: Deployment, web
) -> None:
    """屯昌's monitor picks 屯昌's towns on the board, feed and trends pages — not 定安's."""
    login(web, "tc-monitor")
    for path in ("/board", "/feed", "/trends"):
        page = web.get(path)
        assert page.status_code == 200, path
        assert "屯城镇" in page.text and "定城镇" not in page.text, path
    assert web.get("/accountability").status_code == 200
    tunchang_water = two_counties.case_of("t-water").case_id
    page = web.get(f"/cases/{tunchang_water}")
    assert page.status_code == 200 and "枫木镇" in page.text and "新竹镇" not in page.text


def test_a_county_monitor_opens_cases_in_their_county(two_counties: Deployment, web) -> None:
    login(web, "tc-monitor")
    body = {"title": "屯昌县上级要求回应测试", "town": "枫木镇", "lead": "县水务局"}
    opened = web.post("/api/cases", json=body, headers={"X-CSRF-Token": _csrf(web)})
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["profile"] == "tunchang" and case["jurisdiction"]["code"] == "469022102"
    assert web.get(f"/api/cases/{case['case_id']}").status_code == 200
    wrong = {"title": "屯昌县镇名不对", "town": "定城镇"}  # a 定安 town
    refused = web.post("/api/cases", json=wrong, headers={"X-CSRF-Token": _csrf(web)})
    assert refused.status_code == 422


def test_admins_see_the_cases_profile_and_choose_one_elsewhere(
    two_counties: Deployment, web
) -> None:
    login(web, "boss")
    tunchang_food = two_counties.case_of("t-food").case_id
    page = web.get(f"/cases/{tunchang_food}")
    assert page.status_code == 200 and "乌坡镇" in page.text and "黄竹镇" not in page.text
    board = web.get("/board")
    assert 'id="profile-select"' in board.text and "定城镇" in board.text
    chosen = web.get("/board", params={"profile": "tunchang"})
    assert "屯城镇" in chosen.text and "定城镇" not in chosen.text
    assert two_counties.case_of("d-water").case_id not in chosen.text
    assert 'name="profile" value="tunchang"' in chosen.text  # the opening form's county
    feed = web.get("/api/items", params={"profile": "tunchang", "limit": 200}).json()
    assert feed and {i["profile"] for i in feed} == {"tunchang"}
    assert "屯城镇" in web.get("/feed", params={"profile": "tunchang"}).text
    opened = web.post(
        "/api/cases",
        json={"title": "省里转办测试", "profile": "hainan"},
        headers={"X-CSRF-Token": _csrf(web)},
    )
    assert opened.status_code == 201 and opened.json()["profile"] == "hainan"


def test_user_admin_takes_and_shows_the_profile(two_counties: Deployment, web) -> None:
    login(web, "boss")
    headers = {"X-CSRF-Token": _csrf(web)}
    new = {"username": "tc-edu", "role": "officer", "password": PASSWORD}
    made = web.post("/api/users", json={**new, "department": "县教育局", "profile": "tunchang"},
                    headers=headers)  # fmt: skip
    assert made.status_code == 201, made.text
    assert (made.json()["profile"], made.json()["department"]) == ("tunchang", "education")
    listed = {u["username"]: u for u in web.get("/api/users").json()}
    assert listed["tc-edu"]["profile"] == "tunchang"
    unknown = web.post("/api/users", json={**new, "username": "x3", "profile": "nowhere"},
                       headers=headers)  # fmt: skip
    assert unknown.status_code == 422 and "nowhere" in unknown.json()["detail"]
    foreign = web.post(
        "/api/users",
        json={**new, "username": "x4", "department": "省教育厅", "profile": "tunchang"},
        headers=headers,
    )
    assert foreign.status_code == 422
    moved = web.post("/api/users/tc-edu/role",
                     json={"role": "officer", "department": "县水务局", "profile": "dingan"},
                     headers=headers)  # fmt: skip
    assert moved.status_code == 200 and moved.json()["profile"] == "dingan"

    page = web.get("/admin/users")
    assert page.status_code == 200
    assert 'data-profile="dingan"' in page.text and 'value="tunchang/water"' in page.text
    form = {"csrf_token": headers["X-CSRF-Token"], "username": "tc-water2", "role": "officer",
            "password": PASSWORD, "department": "tunchang/water"}  # fmt: skip
    assert web.post("/admin/users", data=form, follow_redirects=False).status_code == 303
    added = {u["username"]: u for u in web.get("/api/users").json()}["tc-water2"]
    assert (added["profile"], added["department"]) == ("tunchang", "water")
    clash = {**form, "username": "tc-water3", "profile": "dingan"}
    web.post("/admin/users", data=clash, follow_redirects=False)
    assert "tc-water3" not in {u["username"] for u in web.get("/api/users").json()}
    assert "所选部门不属于所选辖区" in web.get("/admin/users").text


def test_reports_name_the_users_county_and_a_case_report_its_case(
    two_counties: Deployment, web
) -> None:
    login(web, "tc-monitor")
    daily = web.post("/api/reports", json={"kind": "daily"}, headers={"X-CSRF-Token": _csrf(web)})
    assert daily.status_code == 201, daily.text
    assert "屯昌县" in daily.json()["title"] and "定安县" not in daily.json()["title"]
    login(web, "boss")
    food = two_counties.case_of("t-food").case_id
    form = {"csrf_token": _csrf(web)}
    drafted = web.post(f"/cases/{food}/report", data=form, follow_redirects=False)
    assert drafted.status_code == 303 and drafted.headers["location"].startswith("/reports")
    record = web.get(f"/api/reports/{food}").json()
    assert record["kind"] == "case" and record["title"] == "屯昌县舆情专报"
