"""`yuqing cases list`: the JSON array of contracts.md and the Chinese table."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from alerts.cases import CaseBuilder
from alerts.commands import cases
from alerts.escalation import ClockNarrator
from alerts.opener import CaseOpener
from pipeline.config import load_settings
from pipeline.storage.sqlite import open_sqlite_stores
from tests.alerts.conftest import T0, calculator, write_config
from tests.factories import make_scored

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
CLOCK_FIELDS = {"name", "due_at", "met_at", "state", "rule"}


def seed(tmp_path: Path) -> Path:
    config = write_config(tmp_path)
    stores = open_sqlite_stores(load_settings(config).store_path)
    builder = CaseBuilder(ClockNarrator(calculator("dingan-2016")))
    try:
        CaseOpener(stores.cases, lambda _p: builder).apply(
            [
                make_scored(1),
                make_scored(
                    2, title="", text="定城镇文化广场路灯不亮已经一个月", importance="important"
                ),
            ],
            T0,
        )
    finally:
        stores.close()
    return config


def test_list_json(tmp_path: Path) -> None:
    config = seed(tmp_path)
    result = CliRunner().invoke(cases, ["list", "--json", "--config", str(config)])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert len(listed) == 2
    for case in listed:
        assert set(case) >= CASE_FIELDS
        assert case["clocks"] and all(set(c) >= CLOCK_FIELDS for c in case["clocks"])


def test_list_json_with_data_dir(tmp_path: Path) -> None:
    config = seed(tmp_path)
    other = tmp_path / "elsewhere"
    result = CliRunner().invoke(
        cases, ["list", "--json", "--config", str(config), "--data", str(other)]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == []


def test_list_table_in_chinese(tmp_path: Path) -> None:
    config = seed(tmp_path)
    result = CliRunner().invoke(cases, ["list", "--config", str(config)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for header in ("标题", "类别", "镇", "牵头部门", "状态", "下一时限"):
        assert header in lines[0]
    assert any(
        "龙湖镇停水第1天" in line and "县水务局" in line and "待研判" in line for line in lines
    )
    assert any("2026-11-20 11:03 报告领导" in line for line in lines)  # 1 h, Shanghai time
    assert lines[-1] == "共 2 件"


def test_a_bad_config_is_one_clear_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("bus: carrier-pigeon\n", encoding="utf-8")
    result = CliRunner().invoke(cases, ["list", "--config", str(bad)])
    assert result.exit_code == 2
    assert "bad.yaml: bus:" in result.output
