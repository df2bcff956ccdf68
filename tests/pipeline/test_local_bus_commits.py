"""A member that lost its partitions while it scored a batch cannot move the group's
committed offset back (pipeline/bus/local.py): the new owner, already past those
messages, would otherwise leave them uncommitted for good (seen in the SIGKILL soak)."""

from __future__ import annotations

from pipeline.bus.local import SqliteBus
from pipeline.topics import Topic
from tests.servers import unique


def committed(bus: SqliteBus, group: str, topic: str) -> int:
    probe = bus.consumer(group, [topic])
    return probe._committed((topic, 0))


def test_a_stale_members_commit_never_moves_the_offset_back(tmp_path) -> None:
    bus = SqliteBus(tmp_path / "bus.sqlite")
    topic = Topic(unique("t"), None, partitions=1)
    bus.ensure_topics([topic])
    producer = bus.producer()
    for n in range(10):
        producer.send(topic.name, f"m{n}".encode())
    producer.flush()
    group = unique("g")
    old = bus.consumer(group, [topic.name])
    early = old.poll(4, 0.5)  # the old owner holds 0..3, then scores them slowly
    assert [m.offset for m in early] == [0, 1, 2, 3]
    new = bus.consumer(group, [topic.name])
    new.member_id = f"0-{new.member_id}"  # sorts first: the partition is the new member's
    assert [m.offset for m in new.poll(100, 0.5)] == list(range(10))
    new.commit()  # the new owner read on to the end (from the commit, 0) and committed
    assert committed(bus, group, topic.name) == 10
    old.commit(early)  # late, with no heartbeat since it lost the partition
    assert committed(bus, group, topic.name) == 10
    new.commit(early)  # nor does an owner's own older batch
    assert committed(bus, group, topic.name) == 10
