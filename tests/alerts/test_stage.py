"""The alert stage end to end on the embedded bus and stores: items → cases, findings, tick."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.stage import AlertStage
from pipeline.bus.local import SqliteBus
from pipeline.config import ConfigError, load_settings
from pipeline.models import Record
from pipeline.runner import run_once
from pipeline.stage import StageContext
from pipeline.storage.base import CaseQuery
from pipeline.storage.sqlite import open_sqlite_stores
from pipeline.topics import ALL_TOPICS, FINDINGS, ITEMS_SCORED, Topic
from tests.alerts.conftest import FakeClock, write_config
from tests.factories import make_finding, make_scored


def produce(settings, topic: Topic, records: list[Record]) -> None:
    bus = SqliteBus(settings.bus_path)
    bus.ensure_topics(ALL_TOPICS)
    producer = bus.producer()
    for record in records:
        producer.send(topic.name, record.to_bytes(), None)
    producer.close()
    bus.close()


def build(config: Path, clock: FakeClock) -> AlertStage:
    settings = load_settings(config)
    ctx = StageContext(settings, clock=clock)
    stage = AlertStage.from_settings(ctx, settings.stage("alert"))
    assert isinstance(stage, AlertStage)
    return stage


def cases_of(config: Path) -> list:
    stores = open_sqlite_stores(load_settings(config).store_path)
    try:
        return stores.cases.list(CaseQuery())
    finally:
        stores.close()


def test_items_become_cases_and_findings_are_stored(tmp_path: Path, fake_clock) -> None:
    config = write_config(tmp_path)
    settings = load_settings(config)
    items = [
        make_scored(1),
        make_scored(2, event_id="evt-1", severity="major", categories=["emergency"]),
        make_scored(3, risk=5, categories=[]),
    ]
    produce(settings, ITEMS_SCORED, items)
    produce(settings, FINDINGS, [make_finding(1)])
    assert run_once(build(config, fake_clock)) == 4
    (case,) = cases_of(config)
    assert case.items == ["item-1", "item-2"] and case.severity == "major"
    # dingan-2016 (the demo profile's policy): national 5 h first response for a major emergency
    assert {c.name for c in case.clocks} >= {"response", "first_response", "press_conference"}
    stores = open_sqlite_stores(settings.store_path)
    try:
        assert [f.finding_id for f in stores.findings.list()] == [make_finding(1).finding_id]
    finally:
        stores.close()


def test_a_replayed_topic_changes_nothing(tmp_path: Path, fake_clock) -> None:
    config = write_config(tmp_path)
    settings = load_settings(config)
    produce(settings, ITEMS_SCORED, [make_scored(1), make_scored(2, event_id="evt-1")])
    run_once(build(config, fake_clock))
    before = cases_of(config)
    fake_clock.advance(minutes=10)
    produce(settings, ITEMS_SCORED, [make_scored(1), make_scored(2, event_id="evt-1")])
    run_once(build(config, fake_clock))
    assert cases_of(config) == before
    assert before[0].items == ["item-1", "item-2"]


def test_tick_marks_breaches_on_the_timeline(tmp_path: Path, fake_clock) -> None:
    config = write_config(tmp_path)
    produce(load_settings(config), ITEMS_SCORED, [make_scored(1, importance="important")])
    run_once(build(config, fake_clock))
    stage = build(config, fake_clock)
    try:
        stage.tick(fake_clock.advance(minutes=30))
        assert all(c.state == "running" for c in cases_of(config)[0].clocks)
        stage.tick(fake_clock.advance(hours=1))
        (case,) = cases_of(config)
        clocks = {c.name: c for c in case.clocks}
        assert clocks["report_up"].state == "breached"
        assert clocks["response"].state == "running"
        breach = [e for e in case.timeline if e.detail.get("event") == "clock_breached"]
        assert len(breach) == 1 and breach[0].actor == "system"
        assert breach[0].what.startswith("时限超期: 报告领导")
        assert "lead_department" in breach[0].detail["escalate_to"]
        version = case.version
        stage.tick(fake_clock.advance(minutes=1))  # nothing new: no write, no second entry
        assert cases_of(config)[0].version == version
    finally:
        stage.ctx.close()


def test_the_policy_option_overrides_the_profile(tmp_path: Path, fake_clock) -> None:
    config = write_config(tmp_path, policy="linfen-2017", min_risk=50)
    produce(load_settings(config), ITEMS_SCORED, [make_scored(1, categories=[], risk=55)])
    run_once(build(config, fake_clock))
    (case,) = cases_of(config)
    first = next(c for c in case.clocks if c.name == "first_response")
    assert first.rule.startswith("临汾市政府办公厅")


def test_bad_options_are_reported_with_the_config_key(tmp_path: Path, fake_clock) -> None:
    with pytest.raises(ConfigError, match=r"stages\.alert: min_risk"):
        build(write_config(tmp_path, min_risk=500), fake_clock)


def test_an_unknown_policy_is_a_clear_error(tmp_path: Path, fake_clock) -> None:
    stage = build(write_config(tmp_path, policy="atlantis-2030"), fake_clock)
    try:
        with pytest.raises(ConfigError, match=r"atlantis-2030\.yaml: policy profile not found"):
            stage.policy_for("dingan")
    finally:
        stage.ctx.close()
