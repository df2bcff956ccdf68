"""Every clock of every shipped profile, on a fake clock (contracts.md, the clock table)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from alerts.clocks import clocks_for, next_due, update_clock_states
from pipeline.models import Case, Clock, Review, TimelineEntry, parse_time
from pipeline.models import Response as _Response
from tests.alerts.conftest import T0, at, calculator, policy
from tests.factories import make_case

APPROVED = Review(state="approved", steps=[{"level": "final", "actor": "leader"}])


def Response(**fields: object) -> _Response:  # noqa: N802 - reads like the model
    """An approved (published) response: only those meet clocks (先审查、后公开)."""
    return _Response.model_validate({"review": APPROVED, **fields})


EMERGENCY = {"categories": ["emergency"]}


def case(**over: object) -> Case:
    data: dict[str, object] = {"clocks": [], "detected_at": T0.isoformat()}
    data.update(over)
    return make_case(**data)


def by_name(clocks: list[Clock]) -> dict[str, Clock]:
    return {c.name: c for c in clocks}


def due(clock: Clock) -> datetime:
    return parse_time(clock.due_at)


def compute(profile: str, now: datetime = T0, **over: object) -> dict[str, Clock]:
    return by_name(clocks_for(case(**over), policy(profile), now))


# -- national-2016 --------------------------------------------------------------------------
@pytest.mark.parametrize("severity", ["major", "especially_major"])
def test_national_major_emergency_5h_and_24h(severity: str) -> None:
    clocks = compute("national-2016", severity=severity, **EMERGENCY)
    assert set(clocks) == {"first_response", "press_conference"}
    assert due(clocks["first_response"]) == at(hours=5)
    assert clocks["first_response"].rule.startswith("国办发〔2016〕61号")
    assert clocks["first_response"].rule.endswith(": 5 h")
    assert due(clocks["press_conference"]) == at(hours=24)
    assert all(c.state == "running" and c.met_at is None for c in clocks.values())


@pytest.mark.parametrize(
    "over",
    [{}, {"severity": "larger", **EMERGENCY}, {"severity": "general", **EMERGENCY}],
    ids=["ordinary", "larger-emergency", "general-emergency"],
)
def test_national_other_cases_48h(over: dict) -> None:
    clocks = compute("national-2016", **over)
    assert set(clocks) == {"response"}
    assert due(clocks["response"]) == at(hours=48)
    assert clocks["response"].rule.endswith(": 48 h")


def test_due_times_are_written_in_shanghai_time() -> None:
    clock = compute("national-2016")["response"]
    assert clock.due_at == "2026-11-22T10:00:00+08:00"
    assert clock.started_at == "2026-11-20T10:00:00+08:00"


@pytest.mark.parametrize("profile", ["national-2016", "linfen-2017", "dingan-2016", "maoshe-2023"])
def test_report_up_1h_for_important_cases_only(profile: str) -> None:
    important = compute(profile, importance="important")
    assert due(important["report_up"]) == at(hours=1)
    assert "report_up" not in compute(profile, importance="ordinary")


# -- linfen-2017 ----------------------------------------------------------------------------
def test_linfen_4h_first_response_for_every_case() -> None:
    clocks = compute("linfen-2017")
    assert set(clocks) == {"first_response", "response"}
    assert due(clocks["first_response"]) == at(hours=4)
    assert "黄金4小时" in clocks["first_response"].rule
    # same due in both profiles: the nearer one (Linfen's) is cited
    assert clocks["response"].rule.startswith("临汾市政府办公厅")


def test_linfen_earlier_due_wins_over_the_national_5h() -> None:
    clocks = compute("linfen-2017", severity="major", **EMERGENCY)
    assert set(clocks) == {"first_response", "press_conference"}
    assert due(clocks["first_response"]) == at(hours=4)
    assert clocks["first_response"].rule.startswith("临汾市政府办公厅")


# -- dingan-2016 ----------------------------------------------------------------------------
def test_dingan_press_conference_rule_only_for_especially_major() -> None:
    grave = compute("dingan-2016", severity="especially_major", **EMERGENCY)
    assert due(grave["press_conference"]) == at(hours=24)
    assert grave["press_conference"].rule.startswith("定安县政府办")
    assert due(grave["first_response"]) == at(hours=5)  # inherited from national-2016
    assert "response" not in grave
    dingan_spec = policy("dingan-2016").chain[0].clocks
    press = next(c for c in dingan_spec if c.name == "press_conference")
    assert press.applies_to.severity_in == ["especially_major"]


def test_dingan_major_emergency_keeps_the_inherited_national_clocks() -> None:
    """Ding'an's own press conference clock is for especially major only; for a major one
    the extended national rule still applies (all clocks of the chain apply), and Ding'an's
    "其他政务舆情 48 h" covers it too."""
    major = compute("dingan-2016", severity="major", **EMERGENCY)
    assert major["press_conference"].rule.startswith("国办发〔2016〕61号")
    assert due(major["first_response"]) == at(hours=5)
    assert due(major["response"]) == at(hours=48)
    assert major["response"].rule.startswith("定安县政府办")


def test_dingan_verified_answer_3_days_from_the_confirmation() -> None:
    confirmed = at(hours=30)
    entry = TimelineEntry(
        at=confirmed.isoformat(),
        actor="water",
        what="核实: 问题属实",
        detail={"event": "problem_confirmed"},
    )
    assert "verified_answer" not in compute("dingan-2016")
    assert "verified_answer" not in compute("dingan-2016", now=at(hours=29), timeline=[entry])
    clocks = compute("dingan-2016", now=at(hours=31), timeline=[entry])
    assert due(clocks["verified_answer"]) == confirmed + timedelta(days=3)
    assert clocks["verified_answer"].started_at == "2026-11-21T16:00:00+08:00"
    assert "3天内" in clocks["verified_answer"].rule


def test_verified_answer_is_met_only_by_an_online_answer_after_confirmation() -> None:
    entry = TimelineEntry(
        at=at(hours=30).isoformat(),
        actor="water",
        what="问题属实",
        detail={"event": "problem_confirmed"},
    )
    early = Response(
        kind="result", text="已处理", url="http://x/1", published_at=at(hours=2).isoformat()
    )
    offline = Response(kind="result", text="已整改", published_at=at(hours=40).isoformat())
    online = Response(
        kind="authoritative_answer",
        text="已整改",
        url="http://x/2",
        published_at=at(hours=50).isoformat(),
    )
    now = at(hours=60)
    clocks = compute("dingan-2016", now=now, timeline=[entry], responses=[early, offline])
    assert clocks["verified_answer"].state == "running"
    clocks = compute("dingan-2016", now=now, timeline=[entry], responses=[early, offline, online])
    assert clocks["verified_answer"].state == "met"
    assert parse_time(clocks["verified_answer"].met_at) == at(hours=50)


# -- maoshe-2023 ----------------------------------------------------------------------------
def test_maoshe_same_day_ends_at_local_midnight() -> None:
    detected = "2026-11-20T23:30:00+08:00"
    clocks = compute(
        "maoshe-2023", importance="important", detected_at=detected, now=parse_time(detected)
    )
    assert clocks["same_day"].due_at == "2026-11-21T00:00:00+08:00"
    assert clocks["report_up"].due_at == "2026-11-21T00:30:00+08:00"
    assert clocks["report_up"].rule.startswith("茅畲乡")
    assert due(clocks["response"]) == parse_time(detected) + timedelta(hours=48)


def test_maoshe_same_day_uses_the_local_day_not_the_utc_day() -> None:
    # 17:00 UTC is 01:00 the next local day: the local day ends 23 hours later.
    detected = "2026-11-20T17:00:00Z"
    clocks = compute(
        "maoshe-2023", importance="important", detected_at=detected, now=parse_time(detected)
    )
    assert clocks["same_day"].due_at == "2026-11-22T00:00:00+08:00"


def test_maoshe_ordinary_cases_get_no_same_day_clock() -> None:
    clocks = compute("maoshe-2023", importance="ordinary")
    assert set(clocks) == {"response"}  # national-2016's 48 h still applies through extends
    assert policy("maoshe-2023").chain[0].weekly_report.importance == "ordinary"


def test_same_day_needs_the_response_and_the_result_report() -> None:
    response = Response(kind="statement", text="情况说明", published_at=at(hours=3).isoformat())
    reported = TimelineEntry(
        at=at(hours=5).isoformat(),
        actor="office",
        what="结果已报",
        detail={"event": "result_reported"},
    )
    only_response = compute(
        "maoshe-2023", now=at(hours=6), importance="important", responses=[response]
    )
    assert only_response["same_day"].state == "running"
    both = compute(
        "maoshe-2023",
        now=at(hours=6),
        importance="important",
        responses=[response],
        timeline=[reported],
    )
    assert both["same_day"].state == "met"
    assert parse_time(both["same_day"].met_at) == at(hours=5)


# -- states ---------------------------------------------------------------------------------
def test_running_then_breached_when_past_due() -> None:
    assert compute("national-2016", now=at(hours=47))["response"].state == "running"
    breached = compute("national-2016", now=at(hours=48, seconds=1))["response"]
    assert breached.state == "breached" and breached.met_at is None


def test_met_before_due_and_met_late_stays_breached() -> None:
    on_time = Response(kind="statement", text="回应", published_at=at(hours=3).isoformat())
    met = compute("linfen-2017", now=at(hours=10), responses=[on_time])["first_response"]
    assert met.state == "met" and parse_time(met.met_at) == at(hours=3)
    late = Response(kind="statement", text="回应", published_at=at(hours=6).isoformat())
    clocks = compute("linfen-2017", now=at(hours=10), responses=[late])
    assert clocks["first_response"].state == "breached"
    assert parse_time(clocks["first_response"].met_at) == at(hours=6)
    assert clocks["response"].state == "met"


def test_a_response_in_the_future_of_now_does_not_count_yet() -> None:
    later = Response(kind="statement", text="回应", published_at=at(hours=3).isoformat())
    assert (
        compute("national-2016", now=at(hours=1), responses=[later])["response"].state == "running"
    )


def test_press_conference_needs_a_response_of_that_kind() -> None:
    statement = Response(kind="statement", text="通报", published_at=at(hours=2).isoformat())
    press = Response(kind="press_conference", text="发布会", published_at=at(hours=20).isoformat())
    over = {"severity": "major", **EMERGENCY}
    clocks = compute("national-2016", now=at(hours=21), responses=[statement], **over)
    assert clocks["first_response"].state == "met"
    assert clocks["press_conference"].state == "running"
    clocks = compute("national-2016", now=at(hours=21), responses=[statement, press], **over)
    assert clocks["press_conference"].state == "met"


def test_update_states_starts_new_clocks_and_marks_breaches() -> None:
    start = case(clocks=clocks_for(case(), policy("national-2016"), T0))
    grown = start.model_copy(update={"severity": "major", "categories": ["emergency"]})
    update = update_clock_states(grown, at(hours=6), policy("national-2016"))
    clocks = by_name(update.case.clocks)
    assert set(clocks) == {"response", "first_response", "press_conference"}  # kept + new
    assert clocks["first_response"].state == "breached"
    assert [c.name for c in update.breached] == ["first_response"]
    assert {c.name for c in update.changes if c.before is None} == {
        "first_response",
        "press_conference",
    }
    again = update_clock_states(update.case, at(hours=6), policy("national-2016"))
    assert again.changes == [] and again.case.clocks == update.case.clocks


def test_a_running_clock_is_tightened_never_loosened() -> None:
    calc = calculator("linfen-2017")
    loose = Clock(name="first_response", due_at=at(hours=9).isoformat(), rule="旧: 9 h")
    tight = Clock(name="first_response", due_at=at(hours=2).isoformat(), rule="旧: 2 h")
    tightened = calc.refresh(case(clocks=[loose]), T0)
    assert due(by_name(tightened.case.clocks)["first_response"]) == at(hours=4)
    assert tightened.changes[0].tightened
    kept = calc.refresh(case(clocks=[tight]), T0)
    assert due(by_name(kept.case.clocks)["first_response"]) == at(hours=2)


def test_next_due_is_the_soonest_running_clock() -> None:
    clocks = clocks_for(case(importance="important"), policy("national-2016"), T0)
    assert next_due(case(clocks=clocks)).name == "report_up"
    assert next_due(case(clocks=[])) is None


def test_a_draft_or_rejected_response_meets_no_clock() -> None:
    for state in ("draft", "first_review", "rejected"):
        draft = _Response(
            kind="statement",
            text="回应",
            published_at=at(hours=1).isoformat(),
            review=Review(state=state),
        )
        clocks = compute("linfen-2017", now=at(hours=2), responses=[draft])
        assert clocks["first_response"].state == "running", state
