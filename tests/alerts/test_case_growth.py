"""A large case stays cheap to join: a batch's items are merged in one pass with one timeline
entry, and the stage does not read back (parse) the case it just wrote. The work is counted
(function calls, whole-case reads), never timed, so a busy machine cannot fail it."""

from __future__ import annotations

import cProfile
import gc
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from alerts.cases import MERGED_IDS, case_id_for
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


def feed(stage: AlertStage, event: str, first: int, count: int, batch: int = BATCH) -> None:
    """`count` items of `event` (ids from `first`) through the stage, `batch` at a time."""
    items = [make_scored(n, event_id=event) for n in range(first, first + count)]
    for start in range(0, count, batch):
        stage.process([Envelope(None, it) for it in items[start : start + batch]])  # type: ignore[arg-type]


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
    # batches that only add evidence fold into one running entry a day, naming a few ids
    assert len(big.timeline) < 10
    merged = [e for e in big.timeline if e.detail.get("event") == "merged"]
    assert merged[-1].what.startswith("合并信息 累计 4500 条（10:00 起；最近: ")
    assert merged[-1].detail["count"] == 4_500 and len(merged[-1].detail["items"]) == MERGED_IDS

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
    assert last.what.startswith("合并信息 累计 4510 条") and last.what.count("；") >= 2
    assert last.detail["items"] == [f"item-{n}" for n in range(200_000, 200_010)]


def test_the_running_entry_stops_at_a_change_and_at_the_end_of_the_day(
    stage: AlertStage, fake_clock: FakeClock
) -> None:
    """A batch that changes the case (here: its risk) keeps its own entry; the batches that
    only add evidence fold into one running entry a local day, kept last."""
    feed(stage, "evt-1", 0, 3)  # opened, two items merged
    feed(stage, "evt-1", 10, 2)
    stage.process([Envelope(None, make_scored(30, event_id="evt-1", risk=90))])  # type: ignore[arg-type]
    feed(stage, "evt-1", 40, 2)
    fake_clock.advance(hours=16)  # 02:00 local, the next day
    feed(stage, "evt-1", 50, 1)  # 9 items: below the spread rule's 10
    merged = [e for e in case_of(stage, "evt-1").timeline if e.detail.get("event") == "merged"]
    assert [(e.detail.get("count"), e.detail.get("quiet", False)) for e in merged] == [
        (None, False),
        (6, True),  # the day's running entry moved last, past the change
        (1, True),
    ]
    assert "风险 60 → 90" in merged[0].what
    assert merged[1].what.startswith(
        "合并信息 累计 6 条（10:00 起；最近: 定安论坛 龙湖镇停水第40天"
    )
    assert merged[-1].at.startswith("2026-11-21T02:00")


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


def test_cases_found_to_be_one_event_merge_with_one_write_of_the_target(
    stage: AlertStage,
) -> None:
    """Ten small cases a batch shows to be the large case's event: the target is written
    once for all of them (and once for the batch's items), each absorbed case once; only
    their entries of what people did move, not their bookkeeping nor the notices the system
    sent, and one running entry a day says which cases the system merged in."""
    feed(stage, "evt-big", 0, 1_000)
    smalls = [f"evt-s{k}" for k in range(10)]
    stage.process(
        [Envelope(None, make_scored(5_000 + k, event_id=e)) for k, e in enumerate(smalls)]
    )  # type: ignore[arg-type]
    writes: list[str] = []
    store = stage.ctx.stores.cases
    update = store.update

    def counted(case: Case) -> Case:
        writes.append(case.case_id)
        return update(case)

    store.update = counted  # type: ignore[method-assign]
    links = [
        make_scored(6_000 + k, event_id="evt-big", same_event_as=[e]) for k, e in enumerate(smalls)
    ]
    stage.process([Envelope(None, it) for it in links])  # type: ignore[arg-type]
    big_id = case_id_for("dingan", "evt-big")
    assert writes.count(big_id) == 2  # the merge of all ten, then the batch's own items
    assert sorted(writes) == sorted([big_id, big_id, *(case_id_for("dingan", e) for e in smalls)])
    big = case_of(stage, "evt-big")
    assert len(big.items) == 1_020
    absorbed = [e for e in big.timeline if e.detail.get("event") == "absorbed"]
    (running,) = absorbed  # one running entry a day for the system's merges
    assert running.detail["cases_count"] == 10 and running.detail["count"] == 10
    assert running.detail["cases"] == [case_id_for("dingan", e) for e in smalls]
    assert running.what.startswith("合并同一事件的案件 累计 10 件，信息 10 条（10:00 起；最近: ")
    moved = [e.detail.get("event") for e in big.timeline if "from_case" in e.detail]
    assert "opened" not in moved and "clock_started" not in moved
    for e in smalls:
        small = case_of(stage, e)
        assert small.status == "dismissed" and small.items == []
    stage.process([Envelope(None, it) for it in links])  # type: ignore[arg-type]  # a replay
    assert case_of(stage, "evt-big") == big


def test_a_crash_between_the_target_and_the_absorbed_writes_is_mended_by_the_replay(
    stage: AlertStage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The target is written first; a crash before the absorbed case is marked merged leaves
    the items in both and no redirect stored, so the replayed batch merges them again."""
    import alerts.casework

    feed(stage, "evt-a", 0, 3)
    feed(stage, "evt-b", 100, 2)
    link = [Envelope(None, make_scored(200, event_id="evt-b", same_event_as=["evt-a"]))]

    def crash(*_args: object) -> Case:
        raise RuntimeError("killed")

    with monkeypatch.context() as patched:
        patched.setattr(alerts.casework, "dismiss", crash)
        with pytest.raises(RuntimeError):
            stage.process(link)  # type: ignore[arg-type]
    assert stage.ctx.stores.state.get("event_case", "evt-b") is None
    assert case_of(stage, "evt-b").status == "new"
    stage.process(link)  # type: ignore[arg-type]  # the replay
    a, b = case_of(stage, "evt-a"), case_of(stage, "evt-b")
    assert b.status == "dismissed" and b.items == []
    assert sorted(a.items) == sorted([*(f"item-{n}" for n in (0, 1, 2, 100, 101, 200))])
    assert stage.ctx.stores.state.get("event_case", "evt-b") == "evt-a"


def test_a_viral_case_stays_cached_lean_while_others_come_and_go(stage: AlertStage) -> None:
    """The stage keeps a case lean (no evidence ids): a viral case weighs what a small one
    does, stays cached while other cases come and go, and is not read again."""
    cache = stage.cases
    cache.max_weight = 100  # type: ignore[attr-defined]
    feed(stage, "evt-big", 100_000, 300)
    parsed = cache.parsed  # type: ignore[attr-defined]
    for n in range(3):
        feed(stage, "evt-big", 200_000 + 10 * n, 10)
        feed(stage, f"evt-small-{n}", 300_000 + 100 * n, 30)  # new cases in between
        kept = cache.get_lean(case_id_for("dingan", "evt-big"))
        assert kept is not None and kept.items == [] and kept.n_items == 310 + 10 * n
    assert cache.parsed == parsed  # type: ignore[attr-defined]
    assert cache._weight <= 100  # type: ignore[attr-defined]
    assert len(case_of(stage, "evt-big").items) == 330


def test_the_stage_holds_no_more_memory_as_a_case_grows(stage: AlertStage) -> None:
    """Issue #11: memory the stage still holds after a batch does not grow with the ids of
    the case it joins (they are appended to the store and looked up there). Python's own
    allocations are counted (tracemalloc), not RSS, so a busy machine cannot fail it: 12,000
    more ids held would be about 2 MB (a str, list slots and a set slot each); what is left
    is the turnover of bounded caches (about 0.15 MB)."""
    feed(stage, "evt-big", 0, 2_000, batch=25)  # the bounded caches full (events.MAX_INDEXES)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        feed(stage, "evt-big", 100_000, 12_000)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 500_000, grown
    assert len(case_of(stage, "evt-big").items) == 14_000


def test_a_new_process_replaying_a_batch_adds_nothing(
    tmp_path: Path, fake_clock: FakeClock
) -> None:
    """Exactly once without the ids in memory: a stage that crashed after writing a large
    case's batch, restarted (an empty cache), replays it and finds every id in the store."""
    settings = load_settings(write_config(tmp_path))
    for _ in range(2):  # the first process, then the one after the crash
        ctx = StageContext(settings, clock=fake_clock)
        stage = AlertStage.from_settings(ctx, settings.stage("alert"))
        try:
            feed(stage, "evt-big", 0, 1_500)  # type: ignore[arg-type]
            case = case_of(stage, "evt-big")  # type: ignore[arg-type]
        finally:
            ctx.close()
        assert case.items == [f"item-{n}" for n in range(1_500)]


def test_cases_that_sent_notices_merge_in_without_growing_the_target(stage: AlertStage) -> None:
    """A viral event absorbs a small case every so often, and each small case has sent its
    own notices (report-up): those stay on record on the small case, under its message id;
    the target's running entry counts them, so its timeline (every write of it, and the
    alert stage's memory) does not grow with the number of cases it absorbs (issue #11)."""
    feed(stage, "evt-big", 0, 200)
    lengths = []
    for round_ in range(3):
        smalls = [f"evt-r{round_}-{k}" for k in range(10)]
        important = [
            make_scored(1_000 * (round_ + 1) + k, event_id=e, importance="important")
            for k, e in enumerate(smalls)
        ]
        stage.process([Envelope(None, it) for it in important])  # type: ignore[arg-type]
        for e in smalls:  # each small case sent its own notice before it was merged
            assert any("message_id" in x.detail for x in case_of(stage, e).timeline)
        links = [
            make_scored(5_000 + 100 * round_ + k, event_id="evt-big", same_event_as=[e])
            for k, e in enumerate(smalls)
        ]
        stage.process([Envelope(None, it) for it in links])  # type: ignore[arg-type]
        big = case_of(stage, "evt-big")
        lengths.append(len(big.timeline))
        for e in smalls:
            small = case_of(stage, e)
            assert small.status == "dismissed"
            assert any("message_id" in x.detail for x in small.timeline)  # still on record
    assert lengths[0] == lengths[1] == lengths[2], lengths
    assert not [e for e in big.timeline if "from_case" in e.detail]
    (running,) = [e for e in big.timeline if e.detail.get("event") == "absorbed"]
    assert running.detail["cases_count"] == 30 and running.detail["notices"] >= 30
