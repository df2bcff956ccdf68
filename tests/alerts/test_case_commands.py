"""`yuqing cases open/confirm/ack/assign/verify/respond/review/close/dismiss/report/handover/
merge/meeting/show` through click's CliRunner, on a config in tmp_path with a fake clock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from alerts.cases import case_id_for
from alerts.commands import cases
from pipeline.config import load_settings
from pipeline.storage.sqlite import open_sqlite_stores
from tests.alerts.conftest import FakeClock, Workspace, write_config
from tests.factories import make_scored

A, B = case_id_for("dingan", "evt-1"), case_id_for("dingan", "evt-2")


class Cli:
    def __init__(self, config: Path, clock: FakeClock):
        self.config, self.clock, self.runner = config, clock, CliRunner()

    def __call__(self, *args: str, ok: bool = True) -> Result:
        result = self.runner.invoke(
            cases, [*args, "--config", str(self.config)], obj={"clock": self.clock}
        )
        if ok:
            assert result.exit_code == 0, result.output
        return result

    def case(self, case_id: str) -> dict:
        return json.loads(self("show", case_id, "--json").output)

    def fails(self, *args: str) -> str:
        before = self("list", "--json").output
        result = self(*args, ok=False)
        assert result.exit_code == 2, result.output
        assert result.output.count("\n") == 1, result.output  # one line
        assert self("list", "--json").output == before  # nothing changed
        return result.output


@pytest.fixture
def cli(ws: Workspace) -> Cli:
    ws.feed(make_scored(1, categories=["rumor", "public_interest"]), make_scored(2))
    return Cli(ws.config, ws.clock)


def test_the_whole_workflow_from_the_command_line(cli: Cli, ws: Workspace) -> None:
    out = cli("confirm", A, "--as", "监测员王", "--lead", "水务局", "--town", "龙湖镇").output
    assert out.strip() == f"{A}: 研判确认，已交办（状态: 已研判）"
    cli("ack", A, "--as", "水务局张")
    cli("verify", A, "--confirmed", "--as", "水务局张", "--note", "停水属实")
    cli("respond", A, "--kind", "rebuttal", "--text", "网传投毒系谣言", "--as", "水务局张")
    for level, actor in [("first", "承办人"), ("second", "科长")]:
        cli("review", A, "1", "--level", level, "--as", actor)
    cli("review", A, "1", "--level", "cosign", "--department", "龙湖镇人民政府", "--as", "镇")
    data = json.loads(
        cli("review", A, "1", "--level", "final", "--as", "分管领导", "--json").output
    )
    assert data["status"] == "responded" and data["last"]["actor"] == "system"
    cli("handover", A, "--to", "县公安局", "--evidence", "item-1", "--as", "监测员王")
    cli("report", A, "--to", "县政府办", "--result", "--as", "监测员王")
    cli("close", A, "--as", "监测员王")
    case = cli.case(A)
    assert case["status"] == "watching"
    assert case["police_handover"]["to"] == "县公安局"
    assert case["responses"][0]["review"]["state"] == "approved"
    actors = {e["actor"] for e in case["timeline"]}
    assert {"监测员王", "水务局张", "承办人", "科长", "镇", "分管领导", "system"} <= actors
    shown = cli("show", A).output
    assert "状态: 持续关注" in shown and "#1 辟谣 [已审发]" in shown and "移交: 县公安局" in shown
    labels = ws.settings.data_dir / "labels" / "corrections.jsonl"
    assert json.loads(labels.read_text("utf-8"))["actor"] == "监测员王"


def test_errors_are_one_line_exit_2_and_change_nothing(cli: Cli) -> None:
    assert cli.fails("ack", A) == (
        f"yuqing: error: case {A}: ack: 案件当前状态为「待研判」，不能执行这一步，请先研判确认"
        " [wrong_status]\n"
    )
    cli("confirm", A)
    assert f"case {A}: assign: 未知部门「外星局」" in cli.fails(
        "assign", A, "外星局", "--reason", "职责"
    )
    assert f"case {A}: review: 案件当前状态为「已研判」" in cli.fails(
        "review", A, "3", "--level", "first"
    )
    cli("ack", A)
    assert f"case {A}: review: 没有第 3 条回应" in cli.fails("review", A, "3", "--level", "first")
    assert "case case-none: confirm: 没有这个案件 [no_such_case]" in cli.fails(
        "confirm", "case-none"
    )
    cli("dismiss", B, "--reason", "重复帖")
    assert f"case {B}: respond: 案件已排除，不能再办理 [case_closed]" in cli.fails(
        "respond", B, "--text", "x"
    )
    assert f"case {B}: merge:" in cli.fails("merge", B, A)
    assert f"case {A}: close: 案件当前状态为「已签收」" in cli.fails("close", A)


def test_merge_and_meeting(cli: Cli) -> None:
    out = cli("merge", B, A, "--as", "监测员王").output
    assert out.strip() == f"{B}: 已并入 {A}（信息 2 条）"
    assert cli.case(B)["dismissed_reason"] == f"merged into {A}"
    assert "meeting: 只有重大或重要舆情案件才召开联席会议" in cli.fails(
        "meeting", A, "--line", "统一口径"
    )


def test_open_by_hand_superior_request_and_referral(cli: Cli) -> None:
    out = cli(
        "open",
        "--title",
        "市里要求回应定城镇学校撤并",
        "--from",
        "市委网信办",
        "--category",
        "public_interest",
        "--lead",
        "教育局",
        "--town",
        "定城镇",
        "--as",
        "主任",
        "--json",
    ).output
    opened = json.loads(out)
    case = cli.case(opened["case_id"])
    assert case["status"] == "new" and case["lead_department"]["code"] == "education"
    assert case["importance"] == "important" and case["jurisdiction"]["name"] == "定城镇"
    first = case["timeline"][0]
    assert first["detail"]["origin"] == "superior_request" and first["actor"] == "主任"
    assert "上级要求回应" in first["what"]
    assert {c["name"] for c in case["clocks"]} >= {"report_up", "response"}
    again = cli.fails("open", "--title", "市里要求回应定城镇学校撤并", "--from", "市委网信办")
    assert "open: 这一要求已经立案 [already_open]" in again
    referral = json.loads(
        cli(
            "open",
            "--title",
            "联席会议转办：龙湖镇垃圾清运",
            "--origin",
            "referral",
            "--importance",
            "ordinary",
            "--json",
        ).output
    )
    assert cli.case(referral["case_id"])["timeline"][0]["detail"]["origin"] == "referral"
    assert "未知部门「不存在局」" in cli.fails("open", "--title", "x", "--lead", "不存在局")
    listed = json.loads(cli("list", "--json").output)
    assert len(listed) == 4


def test_a_bad_clock_in_the_profile_is_one_line_naming_case_and_step(tmp_path: Path) -> None:
    bad = tmp_path / "broken-2030.yaml"
    bad.write_text(
        yaml.safe_dump(
            {
                "name": "broken-2030",
                "clocks": [
                    {
                        "name": "response",
                        "applies_to": {},
                        "due": {"hours": 4, "days": 1},
                        "met_by": "first_response",
                        "rule": "x: 4 h",
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    config = write_config(tmp_path, policy=str(bad))
    stores = open_sqlite_stores(load_settings(config).store_path)
    from alerts.cases import CaseBuilder
    from alerts.escalation import ClockNarrator
    from tests.alerts.conftest import calculator

    stores.cases.create(
        CaseBuilder(ClockNarrator(calculator("dingan-2016"))).new_case(
            make_scored(1), FakeClock()()
        )
    )
    stores.close()
    cli = Cli(config, FakeClock())
    out = cli.fails("confirm", A)
    assert out.startswith(f"yuqing: error: case {A}: confirm: ")
    assert "broken-2030.yaml: clocks.0.due" in out


def test_a_date_beyond_the_holiday_data_warns_on_the_case(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "foi-2027.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "foi-2027",
                "clocks": [
                    {
                        "name": "response",
                        "label": "登记",
                        "applies_to": {"government_related": True},
                        "due": {"working_days": 1},
                        "met_by": "first_response",
                        "rule": "测试: 1 个工作日",
                    }
                ],
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    clock = FakeClock(FakeClock().now.replace(year=2027, month=12, day=30))
    ws = Workspace(tmp_path, clock, policy="foi-2027", policies_dir=str(policies))
    try:
        ws.feed(make_scored(1, crawled_at="2027-12-31T09:00:00+08:00"))  # a Friday
        case = ws.case(A)
        (response,) = case.clocks
        assert response.due_at == "2028-01-04T00:00:00+08:00"  # Monday's end, weekends only
        assert "2028年节假日未知，按周末推算" in response.rule
        started = next(e for e in case.timeline if e.detail.get("event") == "clock_started")
        assert started.detail["warning"] == "holiday_data_missing" and "警告" in started.what
    finally:
        ws.close()
