"""The 通知送达 page and /api/delivery of a two-county deployment (定安 + 屯昌 under 海南), over
real HTTP from `yuqing web`: each job's county, legs refused for want of the county's own
route with the Chinese reason, legs given up, all escaped, and each user sees their own
county's deliveries only (admins all, or one chosen); the findings page and API likewise
keep a finding that names a 屯昌 case from 定安's users.

The jobs come from the real notify stage sending to a real SMTP server (aiosmtpd) and a real
signed webhook receiver, one of whose robots answers 404 (屯昌's leader in charge)."""

from __future__ import annotations

import time
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import yaml

from pipeline.cli import build_stage
from pipeline.config import load_settings
from pipeline.runner import run_once
from tests.alerts.channels.receivers import RobotReceiver, SmtpSink, receiver, smtp_sink
from tests.alerts.delivery.test_counties import TC, deployment, report_up, run_notify, seed
from tests.alerts.delivery.test_county_findings import broken_leader
from tests.alerts.web.conftest import PASSWORD, web_process, yuqing

__all__ = ["receiver", "smtp_sink"]
HOSTILE_TC = "屯城镇<script>alert(1)</script>水管爆裂 22"
USERS = {  # name → (role, --profile)
    "tc-mon": ("monitor", "tunchang"),
    "dn-mon": ("monitor", None),  # the default county's (定安)
    "boss": ("admin", None),
    "tc-off": ("officer", "tunchang"),
}


def web_server(config: Path) -> AbstractContextManager[str]:
    return web_process(["--config", str(config)])


def client(base: str, user: str) -> httpx.Client:
    http = httpx.Client(base_url=base, timeout=30)
    answer = http.post("/api/login", json={"username": user, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return http


def two_counties(tmp_path: Path, smtp: SmtpSink, robots: RobotReceiver) -> Path:
    """屯昌 without a route for its government office (refused), its leader behind a broken
    robot (given up after a moment), and a 定安 case delivered."""
    config = deployment(tmp_path, smtp, robots, "tunchang", retry={"first_s": 0.1, "max_s": 0.5,
                        "give_up_after_h": 0.0003})  # fmt: skip
    broken_leader(config, robots, drop=("tunchang.government_office",))
    seed(config, report_up(22, "tunchang", **{**TC, "title": HOSTILE_TC}), report_up(1, "dingan"))
    run_notify(config)
    time.sleep(1.2)  # past give_up_after_h: the next round gives the leader's leg up
    run_notify(config)
    run_once(build_stage(load_settings(config), "alert"))  # the findings into the store
    for name, (role, profile) in USERS.items():
        args = ["users", "add", name, "--role", role, "--config", str(config)]
        args += ["--department", "县水务局"] if role == "officer" else []
        args += ["--profile", profile] if profile else []
        added = yuqing(*args, stdin=PASSWORD + "\n")
        assert added.returncode == 0, added.stderr
    return config


def test_the_delivery_page_shows_each_countys_own_deliveries(
    tmp_path: Path, smtp_sink: SmtpSink, receiver: RobotReceiver
) -> None:
    config = two_counties(tmp_path, smtp_sink, receiver)
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    assert "tunchang.government_office" not in raw["stages"]["notify"]["recipients"]
    with web_server(config) as base:
        tc = client(base, "tc-mon")
        page = tc.get("/delivery")
        assert page.status_code == 200
        html = page.text
        assert "屯城镇&lt;script&gt;alert(1)&lt;/script&gt;水管爆裂 22" in html
        assert "<script>alert(1)" not in html
        assert "屯昌县" in html and "拒发（无本辖区通道）" in html
        assert "tunchang.government_office" in html and "不改用其他县的通道" in html
        assert "放弃：所有通道均未送达" in html or "最后错误：hook_broken" in html
        assert "龙湖镇停水 1" not in html  # 定安's case is not 屯昌's business

        status = tc.get("/api/delivery").json()
        assert {j["profile"] for j in status["pending"] + status["failed"]} <= {"tunchang"}
        (notice,) = [j for j in status["failed"] if j["source"] == "notice"]
        legs = {leg["to"]: leg for leg in notice["legs"]}
        refused = [leg for leg in legs.values() if leg["refused"]]
        given_up = [leg for leg in legs.values() if not leg["refused"]]
        assert len(refused) == 1 and "tunchang.government_office" in refused[0]["last_error"]
        assert len(given_up) == 1 and given_up[0]["tries"] >= 2
        assert given_up[0]["state"] == "failed" and "hook_broken" in given_up[0]["last_error"]

        dn = client(base, "dn-mon").get("/delivery").text
        assert "水管爆裂 22" not in dn and "龙湖镇停水 1" in dn
        dn_api = client(base, "dn-mon").get("/api/delivery").json()
        assert all(j["profile"] == "" for j in dn_api["pending"] + dn_api["failed"])

        boss = client(base, "boss")
        everything = boss.get("/delivery").text
        assert "水管爆裂 22" in everything and "龙湖镇停水 1" in everything
        narrowed = boss.get("/delivery", params={"profile": "tunchang"}).text
        assert "水管爆裂 22" in narrowed and "龙湖镇停水 1" not in narrowed

        officer = client(base, "tc-off")
        assert officer.get("/delivery").status_code == 404
        assert officer.get("/api/delivery").status_code == 403


def test_findings_that_name_a_countys_case_stay_in_that_county(
    tmp_path: Path, smtp_sink: SmtpSink, receiver: RobotReceiver
) -> None:
    config = two_counties(tmp_path, smtp_sink, receiver)
    with web_server(config) as base:
        dn = client(base, "dn-mon")
        page = dn.get("/findings").text
        assert "水管爆裂 22" not in page and "通知通道故障" in page
        assert not any("水管爆裂 22" in f["detail"] for f in dn.get("/api/findings").json())
        tc = client(base, "tc-mon").get("/api/findings").json()
        kinds = {(f["kind"], f["profile"]) for f in tc}
        assert ("notice_undeliverable", "tunchang") in kinds
        assert ("channel_down", "") in kinds  # system-wide: every county's readers
        tc_page = client(base, "tc-mon").get("/findings").text
        assert "屯城镇&lt;script&gt;" in tc_page and "<script>alert(1)" not in tc_page
        boss = client(base, "boss").get("/api/findings").json()
        assert {"tunchang", ""} <= {f["profile"] for f in boss}
