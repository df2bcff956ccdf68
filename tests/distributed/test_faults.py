"""Faults under a running `yuqing classify`: the broker goes away for 30 s, or the Elasticsearch
store does, and comes back (noida-db restarted on the same ports and data dir; it keeps its data
on disk). The stage says so in its log, backs off, catches up afterwards, and nothing is lost or
doubled: the store holds every item once, items.scored every id, and the group's commits reach
the end of every partition. While the store is down, nothing is committed.
"""

from __future__ import annotations

import signal
import time

import pytest

from tests.distributed.harness import (
    committed_offsets,
    produce_items,
    scored_messages,
    stage,
    stopped_at_exit,
    stored_count,
    stored_items,
    wait_for,
    write_config,
)
from tests.distributed.items import realistic_items

WAVE = 100
OUTAGE_S = 30.0
START_S = 60.0
CATCH_UP_S = 90.0  # the runner resumes as soon as the backend answers (a probe every 1 s)
BACKOFF_LINE = "stage classify: backend unavailable, retrying in"


def assert_exactly_once(config, bus_url: str, ids: set[str]) -> None:
    assert stored_count(config) == len(ids)
    assert sorted(s.id for s in stored_items(config, sorted(ids))) == sorted(ids)
    scored = scored_messages(bus_url, ids)
    assert {s.id for s in scored} == ids
    event_of: dict[str, set[str]] = {}
    for s in scored:
        event_of.setdefault(s.id, set()).add(s.event_id)
    assert all(len(events) == 1 for events in event_of.values()), "one event id per item"


def total_committed(bus_url: str) -> int:
    """Committed positions summed over items.raw (its offsets here start at 0, no gaps)."""
    return sum(committed_offsets(bus_url).values())


@pytest.mark.kafka
def test_broker_outage_backs_off_and_catches_up(own_noida, tmp_path):
    bus_url = own_noida.kafka_url
    config = write_config(tmp_path, bus=bus_url, store="sqlite")
    items = realistic_items(3 * WAVE, seed=11)
    ids = {i.id for i in items}
    produce_items(bus_url, items[:WAVE])
    worker = stage(config, "classify", "classify")
    with stopped_at_exit(worker):
        wait_for(lambda: stored_count(config) == WAVE, START_S, "first wave stored", [worker])
        produce_items(bus_url, items[WAVE : 2 * WAVE])
        wait_for(lambda: stored_count(config) > WAVE, 30, "second wave started", [worker], 0.02)
        own_noida.kill()  # the whole process group, mid-wave; the data dir stays
        outage_ends = time.monotonic() + OUTAGE_S
        wait_for(
            lambda: BACKOFF_LINE in worker.log(), OUTAGE_S, "a back-off line in the log", [worker]
        )
        time.sleep(max(0.0, outage_ends - time.monotonic()))  # the outage itself
        assert worker.alive(), worker.tail()

        own_noida.start()  # same ports, same data dir
        produce_items(bus_url, items[2 * WAVE :])
        wait_for(lambda: stored_count(config) == len(ids), CATCH_UP_S, "caught up", [worker])
        wait_for(lambda: total_committed(bus_url) == len(ids), 30, "all committed", [worker])
        assert worker.kill(signal.SIGTERM) == 0, worker.tail()
    assert_exactly_once(config, bus_url, ids)


@pytest.mark.kafka
@pytest.mark.es
def test_store_outage_commits_nothing_unstored_and_catches_up(own_noida, own_es, tmp_path):
    bus_url = own_noida.kafka_url
    config = write_config(tmp_path, bus=bus_url, store=own_es.es_url)
    items = realistic_items(2 * WAVE, seed=13)
    ids = {i.id for i in items}
    produce_items(bus_url, items[:WAVE])
    worker = stage(config, "classify", "classify")
    with stopped_at_exit(worker):
        wait_for(lambda: stored_count(config) == WAVE, START_S, "first wave stored", [worker])
        wait_for(lambda: total_committed(bus_url) == WAVE, 30, "first wave committed", [worker])
        own_es.kill()
        outage_ends = time.monotonic() + OUTAGE_S
        produce_items(bus_url, items[WAVE:])
        wait_for(
            lambda: BACKOFF_LINE in worker.log(), OUTAGE_S, "a back-off line in the log", [worker]
        )
        while time.monotonic() < outage_ends:  # the outage: nothing of wave 2 is committed
            assert total_committed(bus_url) == WAVE, worker.tail()
            time.sleep(0.5)
        assert worker.alive(), worker.tail()

        own_es.start()  # same port, same data dir
        wait_for(lambda: stored_count(config) == len(ids), CATCH_UP_S, "caught up", [worker])
        wait_for(lambda: total_committed(bus_url) == len(ids), 30, "all committed", [worker])
        assert worker.kill(signal.SIGTERM) == 0, worker.tail()
    assert_exactly_once(config, bus_url, ids)
