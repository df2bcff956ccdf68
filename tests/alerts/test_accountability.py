"""考核 figures checked exactly on a small constructed set of cases, and `yuqing stats`."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from click.testing import CliRunner

from alerts.accountability import accountability, period_bounds
from alerts.commands import stats
from pipeline.config import load_settings
from pipeline.models import Case, Clock, Response, Review, TimelineEntry
from pipeline.storage.sqlite import open_sqlite_stores
from tests.alerts.conftest import T0, FakeClock, write_config
from tests.factories import make_case

EDUCATION = {"code": "education", "name": "县教育局", "role": "lead"}
NOW = T0 + timedelta(days=2, hours=12)  # Sunday 22:00 local, the same week


def t(hours: float, base: datetime = T0) -> str:
    return (base + timedelta(hours=hours)).isoformat()


def event(hours: float, name: str, base: datetime = T0) -> TimelineEntry:
    return TimelineEntry(at=t(hours, base), actor="x", what=name, detail={"event": name})


def answered(hours: float, base: datetime = T0) -> Response:
    return Response(
        kind="statement", text="回应", published_at=t(hours, base), review=Review(state="approved")
    )


def clock(name: str, state: str, met: float | None = None, base: datetime = T0) -> Clock:
    return Clock(
        name=name,
        due_at=t(48 if name == "response" else 1, base),
        state=state,
        met_at=t(met, base) if met is not None else None,
        rule="r",
    )


def handled(n: int, base: datetime, confirm: float, ack: float | None, **over: object) -> Case:
    timeline = [event(confirm, "assigned", base)]
    if ack is not None:
        timeline.append(event(ack, "acknowledged", base))
    return make_case(
        n,
        detected_at=base.isoformat(),
        confirmed_at=t(confirm, base),
        status="acknowledged",
        timeline=timeline,
        **over,
    )


def dataset() -> list[Case]:
    day = timedelta(days=1)
    return [
        handled(
            1,
            T0,
            1,
            1.5,
            responses=[answered(5)],
            clocks=[clock("response", "met", 5), clock("report_up", "met", 0.5)],
        ),
        handled(
            2,
            T0 - day,
            2,
            5,
            responses=[answered(50, T0 - day)],
            clocks=[
                clock("response", "breached", 50, T0 - day),
                clock("report_up", "breached", None, T0 - day),
            ],
        ),
        handled(3, T0 + 2 * day, 0.5, None, clocks=[clock("response", "breached", None)]),
        handled(
            4,
            T0,
            3,
            3.5,
            lead_department=EDUCATION,
            co_departments=[],
            clocks=[clock("response", "running")],
        ),
        make_case(5, detected_at=T0.isoformat(), status="new"),
        make_case(6, detected_at=T0.isoformat(), status="dismissed", dismissed_reason="广告"),
        handled(7, T0 - 7 * day, 1, 1.5, responses=[answered(5, T0 - 7 * day)]),  # last week
        make_case(
            8,
            detected_at=T0.isoformat(),
            status="dismissed",
            dismissed_reason="merged into case-1",
            items=[],
            timeline=[
                TimelineEntry(
                    at=t(1),
                    actor="m",
                    what="并入",
                    detail={"event": "merged_into", "into": "case-1"},
                )
            ],
        ),
    ]


def test_the_figures_exactly() -> None:
    report = accountability(dataset(), "week", T0, NOW)
    assert (report.start, report.end) == ("2026-11-16T00:00:00+08:00", "2026-11-23T00:00:00+08:00")
    water, education = report.departments
    assert (water.code, water.received, water.confirmed, water.acknowledged_on_time) == (
        "water",
        3,
        3,
        1,
    )
    assert (water.answered_on_time, water.late, water.missing, water.pending) == (1, 1, 1, 0)
    assert water.answer_hours == [4.0, 48.0] and water.median_answer_hours == 26.0
    assert (education.received, education.acknowledged_on_time, education.pending) == (1, 1, 1)
    assert education.median_answer_hours is None
    office = report.office
    assert (office.cases, office.confirmed, office.dismissed, office.unconfirmed) == (6, 4, 1, 1)
    assert office.confirm_hours == [1.0, 2.0, 0.5, 3.0]
    assert office.median_confirm_hours == 1.5 and office.max_confirm_hours == 3.0
    assert (office.report_up_met, office.report_up_breached) == (1, 1)


def test_the_month_and_a_shorter_acknowledge_window() -> None:
    report = accountability(dataset(), "month", T0, NOW, ack_hours=0.25)
    (water, _) = report.departments
    assert report.start == "2026-11-01T00:00:00+08:00" and report.end == "2026-12-01T00:00:00+08:00"
    assert water.received == 4  # the case of the week before is in the month
    assert water.acknowledged_on_time == 0


def test_period_bounds_are_local_calendar_periods() -> None:
    sunday_late = datetime.fromisoformat("2026-11-22T23:30:00+08:00")
    start, end = period_bounds("week", sunday_late)
    assert start.isoformat() == "2026-11-16T00:00:00+08:00"
    start, end = period_bounds("month", datetime.fromisoformat("2026-12-31T20:00:00+00:00"))
    assert (start.month, end.year, end.month) == (1, 2027, 2)  # 04:00 local, 1 January


def test_yuqing_stats(tmp_path) -> None:
    config = write_config(tmp_path)
    stores = open_sqlite_stores(load_settings(config).store_path)
    for case in dataset():
        stores.cases.create(case)
    stores.close()
    runner, clock = CliRunner(), FakeClock(NOW)
    result = runner.invoke(
        stats, ["--period", "week", "--json", "--config", str(config)], obj={"clock": clock}
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["departments"][0]["code"] == "water" and data["departments"][0]["missing"] == 1
    assert data["office"]["median_confirm_hours"] == 1.5
    table = runner.invoke(
        stats, ["--config", str(config), "--at", "2026-11-18"], obj={"clock": clock}
    )
    assert table.exit_code == 0, table.output
    assert table.output.splitlines()[0].startswith("舆情回应考核 2026-11-16 00:00")
    assert any(
        line.startswith("县水务局  3  3  1  1  1  1  0  26.0") for line in table.output.splitlines()
    )
    assert "发现→研判 中位 1.5 小时" in table.output
    bad = runner.invoke(stats, ["--config", str(config), "--at", "yesterday"])
    assert bad.exit_code == 2 and bad.output.count("\n") == 1 and "stats:" in bad.output
