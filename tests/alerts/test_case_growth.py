"""A large case stays cheap to join: a batch's items are merged in one pass with one timeline
entry, and the stage does not read back (parse) the case it just wrote. The work is counted
(function calls, whole-case reads), never timed, so a busy machine cannot fail it."""

from __future__ import annotations

import cProfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from alerts.cases import case_id_for
from alerts.stage import AlertStage
from pipeline.config import load_settings
from pipeline.models import Case
from pipeline.stage import Envelope, StageContext
from tests.alerts.conftest import FakeClock, write_config
from tests.factories import make_scored

BATCH = 500


@pytest.fixture
def stage(tmp_path: Path, fake_clock: FakeClock) -> Iterator[AlertStage]:
    settings = load_settings(write_config(tmp_path))
    ctx = StageContext(settings, clock=fake_clock)
    built = AlertStage.from_settings(ctx, settings.stage("alert"))
    assert isinstance(built, AlertStage)
    try:
        yield built
    finally:
        ctx.close()


def feed(stage: AlertStage, event: str, first: int, count: int) -> None:
    """`count` items of `event` (ids from `first`) through the stage, BATCH at a time."""
    items = [make_scored(n, event_id=event) for n in range(first, first + count)]
    for start in range(0, count, BATCH):
        stage.process([Envelope(None, it) for it in items[start : start + BATCH]])  # type: ignore[arg-type]


def calls(fn: Callable[[], object]) -> int:
    """Python and builtin function calls made by `fn` (a measure of work, not of time)."""
    profile = cProfile.Profile()
    profile.enable()
    fn()
    profile.disable()
    return sum(entry.callcount for entry in profile.getstats())


def case_of(stage: AlertStage, event: str) -> Case:
    case = stage.ctx.stores.cases.get(case_id_for("dingan", event))
    assert case is not None
    return case


def test_joining_a_case_of_5000_items_costs_what_joining_a_small_one_does(
    stage: AlertStage,
) -> None:
    feed(stage, "evt-small", 0, 50)
    feed(stage, "evt-big", 100_000, 5_000)
    big = case_of(stage, "evt-big")
    assert len(big.items) == 5_000
    # one "merged" entry per batch, not one per item
    assert len(big.timeline) < 30
    merged = [e for e in big.timeline if e.detail.get("event") == "merged"]
    assert merged[-1].what.startswith(f"合并信息 {BATCH} 条: ")
    assert len(merged[-1].detail["items"]) == BATCH

    cache = stage.cases
    parsed = cache.parsed  # type: ignore[attr-defined]
    small_work = calls(lambda: feed(stage, "evt-small", 200, 10))
    big_work = calls(lambda: feed(stage, "evt-big", 200_000, 10))
    assert cache.parsed == parsed  # type: ignore[attr-defined]  # own writes not re-read
    assert big_work < 1.3 * small_work, (small_work, big_work)

    big = case_of(stage, "evt-big")
    assert len(big.items) == 5_010 and big.items[-1] == "item-200009"
    last = big.timeline[-1] if big.timeline[-1].detail.get("event") == "merged" else None
    last = last or next(e for e in reversed(big.timeline) if e.detail.get("event") == "merged")
    assert last.what.startswith("合并信息 10 条: ") and last.what.count("；") >= 2
    assert last.detail["items"] == [f"item-{n}" for n in range(200_000, 200_010)]


def test_a_replayed_batch_changes_nothing_in_a_large_case(stage: AlertStage) -> None:
    feed(stage, "evt-big", 0, 2_000)
    before = case_of(stage, "evt-big")
    feed(stage, "evt-big", 0, 2_000)
    assert case_of(stage, "evt-big") == before


def test_a_case_changed_elsewhere_is_read_again(stage: AlertStage) -> None:
    """The stage keeps its own writes, but a write by another process (the dashboard) is
    seen: the stored version moved on, so the case is read in full."""
    feed(stage, "evt-1", 0, 3)
    store = stage.ctx.stores.cases  # the store itself, as another process writes it
    case = case_of(stage, "evt-1")
    store.update(case.model_copy(update={"title": "监测员改过的标题"}))
    feed(stage, "evt-1", 10, 2)
    case = case_of(stage, "evt-1")
    assert case.title == "监测员改过的标题" and len(case.items) == 5
