"""Working days: the official calendar, the office's holiday file, and the weekend fallback."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from alerts.workdays import DEFAULT_HOLIDAY_FILE, WorkdayCalendar, add_working_days
from pipeline.config import ConfigError


def test_spring_festival_2026_with_its_make_up_saturday() -> None:
    calendar = WorkdayCalendar()
    assert calendar.is_workday(date(2026, 2, 14))  # Saturday, 调休上班
    assert not calendar.is_workday(date(2026, 2, 16))  # Monday, 春节
    # Friday 10:00 + 1 working day → the Saturday make-up day, due at its end
    friday = add_working_days("2026-02-13T10:00:00+08:00", 1, calendar)
    assert friday.due_at.isoformat() == "2026-02-15T00:00:00+08:00"
    assert friday.assumed == () and friday.note == ""
    # from that Saturday the next working day is after the holiday: Tuesday 24 Feb
    saturday = add_working_days("2026-02-14T10:00:00+08:00", 1, calendar)
    assert saturday.due_at.isoformat() == "2026-02-25T00:00:00+08:00"


def test_a_year_the_package_does_not_know_falls_back_to_weekends_and_says_so() -> None:
    deadline = add_working_days("2027-01-01T09:00:00+08:00", 1, WorkdayCalendar())  # a Friday
    assert deadline.due_at.isoformat() == "2027-01-05T00:00:00+08:00"  # end of Monday
    assert deadline.assumed and all(d.year == 2027 for d in deadline.assumed)
    assert "2027年节假日未知，按周末推算" in deadline.note


def test_the_office_holiday_file_covers_later_years(tmp_path: Path) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "years": [2027],
                "holidays": {"2027-01-04": "元旦调休"},
                "workdays": {"2027-01-09": "调休上班"},
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    calendar = WorkdayCalendar.load(path)
    deadline = add_working_days("2027-01-01T09:00:00+08:00", 1, calendar)
    assert deadline.due_at.isoformat() == "2027-01-06T00:00:00+08:00"  # Tuesday
    assert deadline.note == ""
    assert calendar.is_workday(date(2027, 1, 9))  # a Saturday made a workday


def test_the_office_file_overrides_the_package(tmp_path: Path) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text("holidays:\n  2026-11-23: 临时放假\n", encoding="utf-8")
    calendar = WorkdayCalendar.load(path)
    assert not calendar.is_workday(date(2026, 11, 23))
    assert calendar.is_workday(date(2026, 11, 24))


def test_a_bad_holiday_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text("holidays:\n  not-a-date: x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"holidays\.yaml: holidays\.not-a-date"):
        WorkdayCalendar.load(path)
    path.write_text("holidays: {2027-01-04: a}\nworkdays: {2027-01-04: b}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="both as a holiday and a workday"):
        WorkdayCalendar.load(path)


def test_the_shipped_holiday_file_loads() -> None:
    assert DEFAULT_HOLIDAY_FILE.exists()
    WorkdayCalendar.load(DEFAULT_HOLIDAY_FILE)


def test_working_days_clock_in_a_policy(tmp_path: Path) -> None:
    """No shipped clock counts working days yet; a profile can (e.g. FOI, 003)."""
    from alerts.clocks import clocks_for
    from alerts.policy import load_policy
    from tests.factories import make_case

    path = tmp_path / "foi.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "foi",
                "clocks": [
                    {
                        "name": "register",
                        "applies_to": {"government_related": True},
                        "due": {"working_days": 1},
                        "met_by": "first_response",
                        "rule": "依申请公开: 1 个工作日",
                    }
                ],
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    case = make_case(clocks=[], detected_at="2027-01-01T09:00:00+08:00")
    from pipeline.models import parse_time

    (clock,) = clocks_for(case, load_policy(path), parse_time(case.detected_at), WorkdayCalendar())
    assert clock.due_at == "2027-01-05T00:00:00+08:00"
    assert clock.rule.endswith("按周末推算）")
