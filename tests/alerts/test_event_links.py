"""Cases of one event merge, whatever order the items came in (alerts/event_links.py), through
the alert stage on the embedded bus and SQLite stores: an item naming other events merges
their cases into the earliest detected one, and later items of any of them follow it."""

from __future__ import annotations

from pathlib import Path

from alerts.event_links import NAMESPACE
from alerts.merging import merged_into
from pipeline.config import load_settings
from pipeline.models import Case
from pipeline.runner import run_once
from pipeline.storage.sqlite import open_sqlite_stores
from pipeline.topics import ITEMS_SCORED
from tests.alerts.conftest import FakeClock, write_config
from tests.alerts.test_stage import build, cases_of, produce
from tests.factories import make_scored


def feed(config: Path, clock: FakeClock, *items) -> None:
    produce(load_settings(config), ITEMS_SCORED, list(items))
    assert run_once(build(config, clock)) == len(items)


def live(cases: list[Case]) -> list[Case]:
    return [c for c in cases if merged_into(c) is None]


def test_an_item_naming_another_event_merges_the_two_cases(tmp_path: Path, fake_clock) -> None:
    config = write_config(tmp_path)
    feed(config, fake_clock, make_scored(1, event_id="ev-a"), make_scored(2, event_id="ev-b"))
    assert len(cases_of(config)) == 2
    feed(config, fake_clock, make_scored(3, event_id="ev-b", same_event_as=["ev-a"]))
    cases = cases_of(config)
    (kept,) = live(cases)
    (gone,) = [c for c in cases if c is not kept and merged_into(c) == kept.case_id]
    assert kept.event_id == "ev-a", "the earlier detected case is kept"
    assert sorted(kept.items) == ["item-1", "item-2", "item-3"]
    assert gone.status == "dismissed" and gone.items == []
    assert gone.dismissed_reason == f"merged into {kept.case_id}"
    assert any("合并案件" in e.what and "自动合并" in e.actor for e in kept.timeline)
    feed(config, fake_clock, make_scored(4, event_id="ev-b"))  # a late item of the other event
    (kept,) = live(cases_of(config))
    assert "item-4" in kept.items


def test_an_event_without_a_case_follows_to_the_case_of_its_group(
    tmp_path: Path, fake_clock
) -> None:
    config = write_config(tmp_path)
    quiet = dict(risk=5, categories=[], importance="ordinary")
    feed(config, fake_clock, make_scored(1, event_id="ev-c", **quiet))  # below the threshold
    assert cases_of(config) == []
    feed(config, fake_clock, make_scored(2, event_id="ev-d", same_event_as=["ev-c"]))
    feed(config, fake_clock, make_scored(3, event_id="ev-c"))  # now it crosses: no new case
    (case,) = cases_of(config)
    assert case.event_id == "ev-d" and sorted(case.items) == ["item-2", "item-3"]


def test_a_chain_of_links_ends_in_one_case(tmp_path: Path, fake_clock) -> None:
    config = write_config(tmp_path)
    quiet = dict(risk=5, categories=[], importance="ordinary")
    feed(config, fake_clock, make_scored(1, event_id="ev-y", same_event_as=["ev-x"], **quiet))
    feed(config, fake_clock, make_scored(2, event_id="ev-z", same_event_as=["ev-y"], **quiet))
    feed(config, fake_clock, make_scored(3, event_id="ev-x"), make_scored(4, event_id="ev-z"))
    (case,) = cases_of(config)
    assert sorted(case.items) == ["item-3", "item-4"]
    stores = open_sqlite_stores(load_settings(config).store_path)
    try:
        assert stores.state.get(NAMESPACE, "ev-y") == "ev-z"
    finally:
        stores.close()


def test_a_link_in_the_same_batch_takes_the_items_before_it(tmp_path: Path, fake_clock) -> None:
    config = write_config(tmp_path)
    feed(config, fake_clock, make_scored(1, event_id="ev-a"))
    feed(
        config,
        fake_clock,
        make_scored(2, event_id="ev-b"),
        make_scored(3, event_id="ev-b", same_event_as=["ev-a"]),
    )
    (case,) = live(cases_of(config))
    assert sorted(case.items) == ["item-1", "item-2", "item-3"]
    assert len(cases_of(config)) == 1, "no case was opened for ev-b only to be merged"


def test_a_closed_case_is_not_merged(tmp_path: Path, fake_clock) -> None:
    config = write_config(tmp_path)
    feed(config, fake_clock, make_scored(1, event_id="ev-a"), make_scored(2, event_id="ev-b"))
    stores = open_sqlite_stores(load_settings(config).store_path)
    try:
        (a,) = [c for c in stores.cases.list() if c.event_id == "ev-a"]
        stores.cases.update(a.model_copy(update={"status": "closed"}))
    finally:
        stores.close()
    feed(config, fake_clock, make_scored(3, event_id="ev-b", same_event_as=["ev-a"]))
    cases = cases_of(config)
    assert len(live(cases)) == 2
    (b,) = [c for c in cases if c.event_id == "ev-b"]
    assert "item-3" in b.items


def test_an_event_redirected_earlier_follows_when_its_group_joins_a_case(
    tmp_path: Path, fake_clock
) -> None:
    """ev-p was linked to ev-q when neither had a case (ev-q → ev-p); then ev-q turns out to be
    ev-r's event, which has a case: ev-p, the end of the old chain, must follow too."""
    config = write_config(tmp_path)
    quiet = dict(risk=5, categories=[], importance="ordinary")
    feed(config, fake_clock, make_scored(1, event_id="ev-r"))
    feed(config, fake_clock, make_scored(2, event_id="ev-p", same_event_as=["ev-q"], **quiet))
    feed(config, fake_clock, make_scored(3, event_id="ev-q", same_event_as=["ev-r"], **quiet))
    feed(config, fake_clock, make_scored(4, event_id="ev-p"))  # crosses: no case of its own
    (case,) = cases_of(config)
    assert case.event_id == "ev-r" and "item-4" in case.items
