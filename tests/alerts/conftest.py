"""Fixtures of the alerts tests: a fake clock, the shipped policies, real SQLite stores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from alerts.clocks import ClockCalculator
from alerts.policy import PolicyProfile, load_policy
from alerts.workdays import WorkdayCalendar
from pipeline.storage.base import Stores
from pipeline.storage.sqlite import open_sqlite_stores

# 2026-11-20 10:00 Asia/Shanghai, a Friday.
T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


class FakeClock:
    """A settable clock for StageContext(clock=...) and the pure functions' `now`."""

    def __init__(self, start: datetime = T0):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def at(**delta: float) -> datetime:
    return T0 + timedelta(**delta)


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[Stores]:
    opened = open_sqlite_stores(tmp_path / "store.sqlite")
    try:
        yield opened
    finally:
        opened.close()


def calculator(name: str) -> ClockCalculator:
    return ClockCalculator(policy(name), WorkdayCalendar())


def policy(name: str) -> PolicyProfile:
    return load_policy(name)


def write_config(tmp_path: Path, **alert_options: object) -> Path:
    """A config for the stage tests: embedded backends under tmp_path, no tokenizer."""
    config = {
        "data_dir": str(tmp_path / "data"),
        "profile": "dingan",
        "stages": {"alert": {"class": "alerts.stage:AlertStage", **alert_options}},
    }
    path = tmp_path / "yuqing.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


class Workspace:
    """A config, real SQLite stores, a fake clock and the case desk over them: what the CLI
    and the stage see, for the workflow tests."""

    def __init__(self, tmp_path: Path, clock: FakeClock, **alert_options: object):
        from alerts.casework import CaseDesk
        from alerts.notices import Outbox
        from alerts.opener import CaseOpener
        from alerts.resolver import AlertOptions, PolicyResolver
        from pipeline.config import load_settings

        self.config = write_config(tmp_path, **alert_options)
        self.settings = load_settings(self.config)
        self.stores = open_sqlite_stores(self.settings.store_path)
        self.clock = clock
        self.resolver = PolicyResolver(self.settings, AlertOptions.model_validate(alert_options))
        self.desk = CaseDesk(self.stores, self.settings, clock, self.resolver)
        self.outbox = Outbox(self.stores.state)

        def finish(case, now):
            done = self.resolver.maintain(case, now)
            self.outbox.put_case(done)
            return done

        self.opener = CaseOpener(
            self.stores.cases, self.resolver.builder_for, self.resolver.opening_for, finish
        )

    def feed(self, *items):
        """Items through the opener as the alert stage applies them; returns the result."""
        return self.opener.apply(list(items), self.clock())

    def case(self, case_id: str):
        return self.stores.cases.get(case_id)

    def step(self, case_id: str, step: str, do, actor: str = "monitor-1"):
        return self.desk.run(case_id, step, actor, do)

    def close(self) -> None:
        self.stores.close()


@pytest.fixture
def ws(tmp_path: Path, fake_clock: FakeClock) -> Iterator[Workspace]:
    workspace = Workspace(tmp_path, fake_clock)
    try:
        yield workspace
    finally:
        workspace.close()
