"""Scale-out: two `yuqing classify` processes in one consumer group share items.raw; one is
killed with SIGKILL and the other takes its partitions over. Afterwards every item is scored and
stored exactly once, items.scored has every id, and the alert stage opens one case per event.

Run on noida-db's Kafka (with the Elasticsearch store and with the SQLite store) and on Tansu,
so the code is not written to one server's quirks. Each test has its own broker
(tests/distributed/conftest.py): the topic names are fixed.

noida-db 0.2.3 never expires the session of a member that died: the group stays Stable with the
dead member holding its partitions, and a new member's join wedges in CompletingRebalance
(checked with plain kafka-python consumers, session_timeout_ms 10 s, max_poll_interval_ms 20 s,
watched for two minutes). Real Kafka and Tansu drop the member after session_timeout_ms. On
noida the test therefore does what the broker should: it removes the group's members (admin
LeaveGroup, `expire_members`); the survivor rejoins and takes every partition. On Tansu the
takeover is the broker's own session expiry.
"""

from __future__ import annotations

import signal
from collections import defaultdict

import pytest

from tests.distributed.harness import (
    all_cases,
    case_problems,
    committed_offsets,
    expire_members,
    group_members,
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
from tests.servers import unique

WAVE = 100  # items per wave: before, during and after the kill
JOIN_S = 60.0  # two cold starts (jieba, the model) on a 2-CPU runner, then the group join
CATCH_UP_S = 90.0  # includes the session timeout (10 s) before the group drops the dead member


def partition_ends(bus_url: str, ids: set[str]) -> dict[int, int]:
    """partition → one past its last offset, read back from items.raw by a fresh group."""
    from pipeline.bus import bus_from_url
    from pipeline.topics import ITEMS_RAW

    bus = bus_from_url(bus_url, None)
    consumer = bus.consumer(unique("test-raw-reader"), [ITEMS_RAW.name])
    ends: dict[int, int] = defaultdict(int)
    seen: set[str] = set()
    try:
        for _ in range(60):
            batch = consumer.poll(1000, 0.5)
            for m in batch:
                ends[m.partition] = max(ends[m.partition], m.offset + 1)
                seen.add(m.key.decode())
            if not batch and seen >= ids:
                break
    finally:
        consumer.close()
        bus.close()
    assert seen == ids, "items.raw holds every produced item"
    return dict(ends)


@pytest.fixture(
    params=[
        pytest.param("noida+es", marks=[pytest.mark.kafka, pytest.mark.es]),
        pytest.param("noida+sqlite", marks=pytest.mark.kafka),
        pytest.param("tansu+sqlite", marks=pytest.mark.kafka),
    ]
)
def backends(request: pytest.FixtureRequest) -> tuple[str, str, bool]:
    """(bus URL, store, whether the broker expires dead members); a broker per test."""
    if request.param.startswith("noida"):
        bus_url = request.getfixturevalue("own_noida").kafka_url
    else:
        bus_url = request.getfixturevalue("own_tansu")
    store = request.getfixturevalue("es_url") if request.param.endswith("+es") else "sqlite"
    return bus_url, store, request.param.startswith("tansu")


def test_two_workers_share_partitions_and_one_takes_over_after_sigkill(backends, tmp_path):
    bus_url, store, broker_expires_sessions = backends
    config = write_config(tmp_path, bus=bus_url, store=store)
    items = realistic_items(3 * WAVE)
    ids = {i.id for i in items}
    produce_items(bus_url, items[:WAVE])

    a = stage(config, "classify", "classify-a")
    b = stage(config, "classify", "classify-b")
    with stopped_at_exit(a, b):
        # 1. both workers in the group, two partitions of items.raw each, the first wave done
        members = wait_for(
            lambda: (m := group_members(bus_url)) and len(m) == 2 and m,
            JOIN_S,
            "two members sharing items.raw",
            [a, b],
        )
        if None not in members.values():  # Tansu does not report assignments
            held = sorted(p for parts in members.values() for p in parts or ())
            assert held == [0, 1, 2, 3], members
            assert sorted(len(parts or ()) for parts in members.values()) == [2, 2], members
        wait_for(lambda: stored_count(config) == WAVE, JOIN_S, "first wave stored", [a, b])

        # 2. kill one worker while the second wave is being processed
        produce_items(bus_url, items[WAVE : 2 * WAVE])
        wait_for(lambda: stored_count(config) > WAVE, 30, "second wave started", [a, b], 0.02)
        assert a.kill(signal.SIGKILL) == -signal.SIGKILL
        at_kill = stored_count(config)

        # 3. the third wave lands on the dead worker's partitions too: only a takeover stores it
        produce_items(bus_url, items[2 * WAVE :])
        if not broker_expires_sessions:
            assert expire_members(bus_url) == 2
        survivor = wait_for(
            lambda: (m := group_members(bus_url)) and len(m) == 1 and m,
            CATCH_UP_S,
            "the survivor holds every partition",
            [b],
        )
        assert list(survivor.values()) in ([[0, 1, 2, 3]], [None]), survivor
        wait_for(lambda: stored_count(config) == len(ids), CATCH_UP_S, "all items stored", [b])
        assert b.alive(), b.tail()
        # every partition committed up to its end: nothing left behind for the group
        ends = partition_ends(bus_url, ids)
        wait_for(lambda: committed_offsets(bus_url) == ends, 30, f"commits reach {ends}", [b])
        assert b.kill(signal.SIGTERM) == 0, b.tail()

    assert WAVE <= at_kill <= len(ids)
    # exactly once in the store; every id on items.scored, with one event id per item
    stored = stored_items(config, sorted(ids))
    assert stored_count(config) == len(ids)
    assert sorted(s.id for s in stored) == sorted(ids)
    scored = scored_messages(bus_url, ids)
    assert {s.id for s in scored} == ids
    events_per_id: dict[str, set[str]] = defaultdict(set)
    for s in scored:
        events_per_id[s.id].add(s.event_id)
    stored_event = {s.id: s.event_id for s in stored}
    assert {i: {stored_event[i]} for i in ids} == dict(events_per_id)
    assert len(scored) >= len(ids)  # at least once: a replayed batch is sent again

    # the alert stage after it: one case per event, no item twice
    alert = stage(config, "alert", "alert", "--once")
    with stopped_at_exit(alert):
        assert alert.process.wait(timeout=120) == 0, alert.tail()
    cases = all_cases(config)
    assert cases, "the events open cases"
    assert case_problems(cases, stored) == []
    assert {i for c in cases for i in c.items} <= ids
