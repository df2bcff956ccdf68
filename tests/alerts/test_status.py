"""The case workflow table: allowed moves, confirmation time, dismissal reasons."""

from __future__ import annotations

import pytest

from alerts.status import STATUS_LABELS, TRANSITIONS, InvalidTransition, can_transition, transition
from pipeline.models import CASE_STATUSES
from tests.alerts.conftest import T0
from tests.factories import make_case


def test_every_status_has_a_row_and_a_label() -> None:
    assert set(TRANSITIONS) == set(CASE_STATUSES) == set(STATUS_LABELS)
    for targets in TRANSITIONS.values():
        assert targets <= set(CASE_STATUSES)


def test_the_main_path_of_contracts_md() -> None:
    path = ["new", "confirmed", "acknowledged", "verifying", "responded", "closed", "watching"]
    case = make_case()
    for target in path[1:]:
        case = transition(case, target, "monitor-1", T0)
    assert case.status == "watching"
    assert case.confirmed_at == "2026-11-20T10:00:00+08:00"
    assert [e.detail["to"] for e in case.timeline] == path[1:]
    assert case.timeline[0].what == "状态: 待研判 → 已研判"


def test_moves_that_skip_steps_are_refused() -> None:
    assert not can_transition("new", "responded")
    with pytest.raises(InvalidTransition, match="案件当前状态为「待研判」，不能转为「已办结」"):
        transition(make_case(), "closed", "monitor-1", T0)


def test_dismissal_needs_a_reason() -> None:
    with pytest.raises(InvalidTransition, match="排除须填写理由"):
        transition(make_case(), "dismissed", "monitor-1", T0)
    case = transition(make_case(), "dismissed", "monitor-1", T0, reason="广告帖，非政务舆情")
    assert case.status == "dismissed" and case.dismissed_reason == "广告帖，非政务舆情"
    assert "广告帖" in case.timeline[-1].what
