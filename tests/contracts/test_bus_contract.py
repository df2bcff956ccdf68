"""The bus contract: one suite, run against the SQLite log, Kafka on noida-db and Kafka on Tansu.

A backend that passes it is done (architecture.md, rule 4). Every test builds its own topics
and groups with unique names, waits only with deadlines, and asserts exact messages and counts.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest

from pipeline.bus.base import Bus, BusError, Consumer, Message
from pipeline.bus.kafka import KafkaBus
from pipeline.bus.local import SqliteBus
from pipeline.topics import Topic
from tests.servers import unique

WAIT_S = 20.0  # a bound, not a sleep: Tansu needs ~3 s for each group (re)join


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("kafka-noida", marks=pytest.mark.kafka),
        pytest.param("kafka-tansu", marks=pytest.mark.kafka),
    ]
)
def bus(request: pytest.FixtureRequest, tmp_path) -> Iterator[Bus]:
    if request.param == "sqlite":
        backend: Bus = SqliteBus(tmp_path / "bus.sqlite")
    else:
        url = request.getfixturevalue(
            "kafka_url" if request.param == "kafka-noida" else "tansu_url"
        )
        backend = KafkaBus(url, session_timeout_ms=6000)
    yield backend
    backend.close()


def new_topic(bus: Bus, partitions: int = 1) -> str:
    topic = Topic(unique("t"), None, partitions=partitions)
    bus.ensure_topics([topic])
    return topic.name


def produce(bus: Bus, topic: str, values: list[bytes]) -> None:
    producer = bus.producer()
    for value in values:
        producer.send(topic, value)
    producer.close()


def drain(consumer: Consumer, count: int, timeout_s: float = WAIT_S) -> list[Message]:
    """Poll until `count` messages came (or the deadline), then once more to catch extras."""
    got: list[Message] = []
    deadline = time.monotonic() + timeout_s
    while len(got) < count and time.monotonic() < deadline:
        got += consumer.poll(100, 0.2)
    got += consumer.poll(100, 0.3)
    return got


def values(messages: list[Message]) -> list[bytes]:
    return [m.value for m in messages]


def test_round_trip_keeps_key_value_and_headers(bus: Bus) -> None:
    topic = new_topic(bus, partitions=3)
    producer = bus.producer()
    producer.send(topic, b'{"id": 1}', key=b"k1", headers={"trace": b"abc", "empty": b""})
    producer.send(topic, "无键消息".encode(), key=None)
    producer.flush()
    consumer = bus.consumer(unique("g"), [topic])
    got = sorted(drain(consumer, 2), key=lambda m: m.value)
    consumer.close()
    assert [(m.topic, m.key, m.value, m.headers) for m in got] == [
        (topic, b"k1", b'{"id": 1}', {"trace": b"abc", "empty": b""}),
        (topic, None, "无键消息".encode(), {}),
    ]
    assert all(m.timestamp_ms > 0 for m in got)


def test_same_key_same_partition_in_order(bus: Bus) -> None:
    topic = new_topic(bus, partitions=3)
    producer = bus.producer()
    for i in range(30):
        producer.send(topic, f"{i % 5}:{i}".encode(), key=f"key-{i % 5}".encode())
    producer.close()
    consumer = bus.consumer(unique("g"), [topic])
    got = drain(consumer, 30)
    consumer.close()
    assert len(got) == 30
    for k in range(5):
        mine = [m for m in got if m.key == f"key-{k}".encode()]
        assert len({m.partition for m in mine}) == 1
        assert values(mine) == [f"{k}:{i}".encode() for i in range(k, 30, 5)]
        assert [m.offset for m in mine] == sorted(m.offset for m in mine)


def test_committed_offsets_survive_reopen_and_uncommitted_are_redelivered(bus: Bus) -> None:
    topic, group = new_topic(bus), unique("g")
    produce(bus, topic, [b"m%d" % i for i in range(10)])
    first = bus.consumer(group, [topic])
    got = drain(first, 10)
    assert values(got) == [b"m%d" % i for i in range(10)]
    first.commit(got[:6])
    first.close()  # m6..m9 were read but never committed: a crash before the commit

    second = bus.consumer(group, [topic])
    again = drain(second, 4)
    assert values(again) == [b"m6", b"m7", b"m8", b"m9"]
    second.close()


def test_every_group_gets_every_message(bus: Bus) -> None:
    topic = new_topic(bus, partitions=2)
    sent = [b"m%d" % i for i in range(12)]
    producer = bus.producer()
    for i, value in enumerate(sent):
        producer.send(topic, value, key=b"%d" % i)
    producer.close()
    consumers = [bus.consumer(unique("a"), [topic]), bus.consumer(unique("b"), [topic])]
    received: list[list[Message]] = [[], []]
    threads = [
        threading.Thread(target=lambda i=i: received[i].extend(drain(consumers[i], len(sent))))
        for i in range(2)
    ]  # side by side, as two processes would: a group join can take seconds
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_S + 5)
    for consumer in consumers:
        consumer.close()
    assert Counter(values(received[0])) == Counter(values(received[1])) == Counter(sent)


def test_seek_to_committed_redelivers_uncommitted(bus: Bus) -> None:
    topic = new_topic(bus)
    produce(bus, topic, [b"m%d" % i for i in range(6)])
    consumer = bus.consumer(unique("g"), [topic])
    got = drain(consumer, 6)
    consumer.seek_to_committed()  # nothing committed yet: back to the start
    assert values(drain(consumer, 6)) == values(got) == [b"m%d" % i for i in range(6)]
    consumer.commit(got[:2])
    consumer.seek_to_committed()  # a failed batch: re-read from the commit
    assert values(drain(consumer, 4)) == [b"m2", b"m3", b"m4", b"m5"]
    consumer.commit()  # no argument: everything polled since the seek
    consumer.seek_to_committed()
    produce(bus, topic, [b"after"])
    assert values(drain(consumer, 1)) == [b"after"]
    consumer.close()


def test_group_members_share_partitions_and_see_each_message_once(bus: Bus) -> None:
    """Two members polling side by side, as two processes would (one thread each)."""
    topic, group = new_topic(bus, partitions=4), unique("g")
    members = [bus.consumer(group, [topic]) for _ in range(2)]
    assigned: list[list[tuple[str, int]]] = [[], []]
    seen: list[list[Message]] = [[], []]
    errors: list[BaseException] = []
    stop = threading.Event()

    def member(i: int) -> None:
        try:
            while not stop.is_set():
                batch = members[i].poll(50, 0.2)
                members[i].commit(batch)
                seen[i] += batch
                assigned[i] = members[i].assignment()
        except BaseException as exc:  # reported by the test below, not lost in the thread
            errors.append(exc)
            raise

    def shared() -> bool:
        both = assigned[0] + assigned[1]
        return all(assigned) and sorted(both) == [(topic, p) for p in range(4)]

    threads = [threading.Thread(target=member, args=(i,), daemon=True) for i in range(2)]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline and not shared() and not errors:
            time.sleep(0.05)
        assert shared(), f"the group never shared its partitions: {assigned} {errors}"
        sent = [b"m%02d" % i for i in range(40)]
        producer = bus.producer()
        for i, value in enumerate(sent):
            producer.send(topic, value, key=b"key%d" % i)
        producer.close()
        deadline = time.monotonic() + WAIT_S
        while (
            time.monotonic() < deadline and len(seen[0]) + len(seen[1]) < len(sent) and not errors
        ):
            time.sleep(0.05)
        time.sleep(0.5)  # room for a duplicate to show up
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        for consumer in members:
            consumer.close()
    assert not errors
    assert sorted(values(seen[0] + seen[1])) == sent
    for i in range(2):
        assert seen[i] and {(m.topic, m.partition) for m in seen[i]} <= set(assigned[i])


def test_ensure_topics_is_idempotent(bus: Bus) -> None:
    topic = Topic(unique("t"), None, partitions=2, retention_s=3600)
    bus.ensure_topics([topic])
    bus.ensure_topics([topic, topic])
    bus.ensure_topics([])
    producer = bus.producer()
    producer.send(topic.name, b"ok")
    producer.flush()  # durable once flush returns; the other tests read such messages back
    producer.close()


def test_flush_to_unknown_topic_fails_clearly_and_the_producer_recovers(bus: Bus) -> None:
    topic, missing = new_topic(bus), unique("missing")
    producer = bus.producer()
    producer.send(missing, b"lost")
    with pytest.raises(BusError, match=missing):
        producer.flush()
    producer.send(topic, b"kept")
    producer.flush()  # the failed batch is gone, not retried forever
    producer.close()


def test_unreachable_kafka_fails_fast_with_one_clear_error() -> None:
    bus = KafkaBus("127.0.0.1:9")  # a closed port, with the default timeouts
    for action in (
        bus.producer,
        lambda: bus.consumer("g", ["t"]),
        lambda: bus.ensure_topics([Topic("t", None)]),
    ):
        started = time.monotonic()
        with pytest.raises(BusError, match=r"Kafka at 127\.0\.0\.1:9 unreachable: .*refused"):
            action()
        assert time.monotonic() - started < 5


def test_sqlite_dead_member_loses_its_partitions_after_session_timeout(tmp_path) -> None:
    bus = SqliteBus(tmp_path / "bus.sqlite", session_timeout_s=1)
    topic = new_topic(bus, partitions=4)
    sent = [b"m%02d" % i for i in range(20)]
    producer = bus.producer()
    for i, value in enumerate(sent):
        producer.send(topic, value, key=b"key%d" % i)
    producer.close()
    group = unique("g")
    dying, live = bus.consumer(group, [topic]), bus.consumer(group, [topic])
    deadline = time.monotonic() + 5
    while (
        time.monotonic() < deadline and not len(dying.assignment()) == len(live.assignment()) == 2
    ):
        time.sleep(0.05)
    assert len(dying.assignment()) == len(live.assignment()) == 2
    read_by_dying = dying.poll(100, 0.1)  # read, never committed, never heard of again
    assert read_by_dying
    got = drain(live, len(sent), timeout_s=5.0)
    assert sorted(values(got)) == sent
    assert live.assignment() == [(topic, p) for p in range(4)]
    live.close()
