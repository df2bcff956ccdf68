"""The embedded bus wakes an idle consumer when another process writes, and keeps its
group membership alive while it waits (pipeline/bus/local.py)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time

from pipeline.bus.local import SqliteBus
from pipeline.topics import Topic
from tests.servers import unique


def _topic(bus: SqliteBus, partitions: int = 1) -> str:
    topic = Topic(unique("t"), None, partitions=partitions)
    bus.ensure_topics([topic])
    return topic.name


def test_idle_poll_returns_soon_after_another_process_writes(tmp_path) -> None:
    bus = SqliteBus(tmp_path / "bus.sqlite")
    topic = _topic(bus)
    consumer = bus.consumer(unique("g"), [topic])
    assert consumer.poll(10, 0.1) == []  # joined, assigned, nothing yet
    writer = textwrap.dedent(f"""
        import sys, time
        from pipeline.bus.local import SqliteBus
        time.sleep(0.5)
        producer = SqliteBus(sys.argv[1]).producer()
        producer.send({topic!r}, b"hello")
        producer.flush()
        print(time.time(), flush=True)
    """)
    proc = subprocess.Popen(
        [sys.executable, "-c", writer, str(tmp_path / "bus.sqlite")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        got = consumer.poll(10, 10.0)
        received = time.time()
        written = float(proc.communicate(timeout=20)[0])
    finally:
        proc.kill()
    assert [m.value for m in got] == [b"hello"]
    # the old loop slept 50 ms between reads; the wait now checks for a write every 20 ms
    assert received - written < 0.2, f"woke {received - written:.3f} s after the write"
    consumer.close()
    bus.close()


def test_a_long_idle_poll_keeps_the_member_in_its_group(tmp_path) -> None:
    bus = SqliteBus(tmp_path / "bus.sqlite", session_timeout_s=0.6)
    consumer = bus.consumer(unique("g"), [_topic(bus)])
    consumer.poll(10, 2.0)  # longer than the session timeout: it must heartbeat meanwhile
    with sqlite3.connect(tmp_path / "bus.sqlite") as conn:
        (beat,) = conn.execute(
            "SELECT heartbeat_ms FROM members WHERE member_id = ?", (consumer.member_id,)
        ).fetchone()
    assert time.time() * 1000 - beat < 600, "the idle member would have left its group"
    consumer.close()
    bus.close()


def test_idle_poll_still_honours_its_timeout(tmp_path) -> None:
    bus = SqliteBus(tmp_path / "bus.sqlite")
    consumer = bus.consumer(unique("g"), [_topic(bus)])
    started = time.monotonic()
    assert consumer.poll(10, 0.3) == []
    assert 0.3 <= time.monotonic() - started < 1.0
    consumer.close()
    bus.close()
