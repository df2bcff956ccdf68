"""Several counties in one deployment (定安, 屯昌, and 海南省 as their superior): each county's
period report counts only its own items and cases, carries its name, and goes — through a
real SMTP server (aiosmtpd) — to its own leaders only; the superior's is a roll-up by county;
`--profile` picks one, none drafts them all."""

from __future__ import annotations

import io
import json
import re
import shutil
import warnings
from pathlib import Path

import pytest
import yaml
from docx import Document

from alerts.web.users import UserDirectory
from pipeline.config import load_settings
from pipeline.models import Jurisdiction
from pipeline.storage import open_stores
from tests.alerts.reports.conftest import Office, write_config
from tests.factories import make_case, make_scored

TUNCHENG = Jurisdiction(name="屯城镇", code="469022100", level="town")
TC_WATER = {"code": "water", "name": "县水务局", "role": "lead", "why": "职责：供水"}
TC_TITLE = "屯城镇自来水发黄 21"
CROSS_TITLE = "定安屯昌交界公路塌方 30"  # a cross-county event: the superior's own case
TC_MAIL = {"tunchang.principal_leader": "wang@tunchang.example",
           "tunchang.leader_in_charge": "xu@tunchang.example"}  # fmt: skip
DA_MAIL = ["fgld@dingan.example", "zyld@dingan.example"]


def multi_config(root: Path, smtp_port: int, tunchang_routes: bool = True) -> Path:
    """The reports' usual config, monitoring 定安 and 屯昌 under 海南省."""
    path = write_config(root, smtp_port)
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config.update(profiles=["dingan", "tunchang"], superior="hainan")
    routes = config["stages"]["notify"]["recipients"]
    if tunchang_routes:
        for key, address in TC_MAIL.items():
            routes[key] = {"channels": ["mail"], "email": [address]}
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def seed_tunchang(config: Path) -> None:
    stores = open_stores(load_settings(config))
    try:
        town = TUNCHENG.model_dump()
        stores.items.put_many(
            [
                make_scored(n, profile="tunchang", title=f"屯城镇自来水发黄 {n}",
                            jurisdiction=town, departments=[TC_WATER])
                for n in (20, 21)
            ]
        )  # fmt: skip
        stores.cases.create(
            make_case(21, profile="tunchang", title=TC_TITLE, jurisdiction=town,
                      lead_department=TC_WATER, co_departments=[])
        )  # fmt: skip
        province = {"name": "海南省", "code": "460000", "level": "province"}
        stores.items.put_many([make_scored(30, profile="hainan", title=CROSS_TITLE,
                                           jurisdiction=province)])  # fmt: skip
        stores.cases.create(make_case(30, profile="hainan", title=CROSS_TITLE,
                                      jurisdiction=province))  # fmt: skip
    finally:
        stores.close()


@pytest.fixture
def counties(tmp_path: Path, seeded_data: Path, smtp_sink) -> Office:
    shutil.copytree(seeded_data, tmp_path / "data")
    config = multi_config(tmp_path, smtp_sink.port)
    seed_tunchang(config)
    return Office(config, tmp_path / "out")


def docx_text(path: str) -> tuple[str, list[list[list[str]]]]:
    document = Document(path)
    text = "\n".join(p.text for p in document.paragraphs)
    return text, [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]


def record(office: Office, report_id: str) -> dict:
    return json.loads(office.ok("show", report_id, "--json").stdout)


def test_without_profile_each_county_and_the_roll_up_get_their_own_report(counties: Office):
    counties.ok("weekly", "--date", "2026-11-20", "--out", str(counties.out), "--as", "mon")
    listed = {r["report_id"]: r for r in json.loads(counties.ok("list", "--json").stdout)}
    assert set(listed) == {
        "weekly-2026-11-16",
        "weekly-tunchang-2026-11-16",
        "weekly-hainan-2026-11-16",
    }
    assert {r["profile"]: r["title"] for r in listed.values()} == {
        "dingan": "定安县舆情周报",
        "tunchang": "屯昌县舆情周报",
        "hainan": "海南省舆情周报",
    }
    text, tables = docx_text(listed["weekly-tunchang-2026-11-16"]["files"]["docx"]["path"])
    assert "本期采集信息 2 条" in text and "新立案 1 件" in text
    cases = next(t for t in tables if t[0][:3] == ["标题", "类别", "牵头部门"])
    assert [row[0] for row in cases[1:]] == [TC_TITLE]
    towns = next(t for t in tables if t[0] == ["属地", "条数"])
    assert towns[1:] == [["屯城镇", "2"]]

    text, tables = docx_text(listed["weekly-2026-11-16"]["files"]["docx"]["path"])
    everything = text + json.dumps(tables, ensure_ascii=False)
    assert "屯城镇" not in everything and CROSS_TITLE not in everything
    assert "本期采集信息 4 条" in text

    _, tables = docx_text(listed["weekly-hainan-2026-11-16"]["files"]["docx"]["path"])
    assert next(t for t in tables if t[0] == ["辖区", "条数"])[1:] == [
        ["定安县", "4"],
        ["屯昌县", "2"],
        ["海南省（跨县事件）", "1"],
    ]
    cases = next(t for t in tables if t[0][:3] == ["标题", "类别", "牵头部门"])
    assert {TC_TITLE, CROSS_TITLE} <= {row[0] for row in cases[1:]} and len(cases) == 5


def test_a_tunchang_report_goes_to_tunchang_leaders_with_only_tunchang_cases(
    counties: Office, smtp_sink
):
    counties.ok("weekly", "--date", "2026-11-20", "--profile", "tunchang",
                "--out", str(counties.out), "--as", "mon")  # fmt: skip
    report_id = "weekly-tunchang-2026-11-16"
    assert [r["report_id"] for r in json.loads(counties.ok("list", "--json").stdout)] == [report_id]
    counties.ok("review", report_id, "--as", "mon2")
    counties.ok("approve", report_id, "--as", "boss")
    sent = counties.ok("send", report_id, "--as", "mon")
    assert "王某某（县长）" in sent.stdout and "许某某（县委常委、宣传部部长）" in sent.stdout
    reached = sorted(rcpt for _, rcpts, _ in smtp_sink.envelopes for rcpt in rcpts)
    assert reached == sorted(TC_MAIL.values()), "屯昌's leaders, never 定安's"
    for message in smtp_sink.messages:
        assert message["Subject"].startswith("【舆情报告】屯昌县舆情周报")
        docx = next(p.get_content() for p in message.iter_attachments()
                    if p.get_filename().endswith(".docx"))  # fmt: skip
        document = Document(io.BytesIO(docx))
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        assert TC_TITLE in cells
        assert not any("龙湖镇" in c for c in cells), "no 定安 case or town"
        assert CROSS_TITLE not in cells, "nor the province's own"
    assert {d["recipient"] for d in record(counties, report_id)["deliveries"]} == {
        "王某某（县长）",
        "许某某（县委常委、宣传部部长）",
    }


def test_a_county_without_its_own_routes_is_not_sent_to_the_default_countys_leaders(
    counties: Office, smtp_sink
):
    multi_config(counties.config.parent, smtp_sink.port, tunchang_routes=False)
    counties.ok("weekly", "--date", "2026-11-20", "--profile", "tunchang",
                "--out", str(counties.out), "--as", "mon")  # fmt: skip
    report_id = "weekly-tunchang-2026-11-16"
    counties.ok("review", report_id, "--as", "mon2")
    counties.ok("approve", report_id, "--as", "boss")
    refused = counties.cli("send", report_id, "--as", "mon")
    assert refused.exit_code == 2 and "没有为该对象配置通知通道" in refused.output
    assert smtp_sink.envelopes == []
    assert record(counties, report_id)["status"] == "approved"


def test_an_unknown_profile_is_refused_before_any_file(counties: Office):
    refused = counties.cli("daily", "--profile", "qionghai", "--out", str(counties.out))
    assert refused.exit_code == 2 and "未知辖区档案「qionghai」" in refused.output
    assert not counties.out.exists()


def test_the_dashboard_lists_only_the_reports_of_the_users_county(counties: Office):
    from alerts.web.app import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    counties.ok("weekly", "--date", "2026-11-20", "--out", str(counties.out), "--as", "mon")
    settings = load_settings(counties.config)
    stores = open_stores(settings)
    try:
        UserDirectory(stores.state).add("tcmon", "monitor", "pw-tunchang-1", profile="tunchang")
    finally:
        stores.close()
    with TestClient(create_app(settings)) as web:
        seen = {}
        for user, password in (("tcmon", "pw-tunchang-1"), ("mon", "correct-horse-battery"),
                               ("root", "correct-horse-battery")):  # fmt: skip
            web.cookies.clear()
            assert web.post("/api/login", json={"username": user, "password": password}).is_success
            seen[user] = sorted(r["report_id"] for r in web.get("/api/reports").json())
            page = web.get("/reports")
            assert page.status_code == 200
            seen[user + " page"] = sorted(set(re.findall(r"weekly-[a-z0-9-]+", page.text)))
            other = web.get("/api/reports/weekly-2026-11-16").status_code
            seen[user + " other"] = other
            if user == "tcmon":
                assert web.get("/reports/weekly-2026-11-16/files/docx").status_code == 404
        narrowed = web.get("/reports?profile=tunchang").text  # root, the admin, narrows it
        assert set(re.findall(r"weekly-[a-z0-9-]+", narrowed)) == {"weekly-tunchang-2026-11-16"}
        rolled = web.get("/api/reports?profile=hainan").json()
        assert [r["report_id"] for r in rolled] == ["weekly-hainan-2026-11-16"]
    assert seen["tcmon other"] == 404 and seen["mon other"] == 200
    assert seen["tcmon page"] == ["weekly-tunchang-2026-11-16"]
    assert seen["tcmon"] == ["weekly-tunchang-2026-11-16"]
    assert seen["mon"] == ["weekly-2026-11-16"]  # an account without a profile: the default's
    assert len(seen["root"]) == 3
