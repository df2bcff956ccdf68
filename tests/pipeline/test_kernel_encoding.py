"""The kernel's cheaper per-item work: a record encoded once for store and bus, the bus log's
table layout (and logs created with the earlier one), the fast UTC sort key."""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest

from pipeline.bus.local import SqliteBus
from pipeline.config import load_settings
from pipeline.models import ScoredItem, parse_time
from pipeline.stage import StageContext
from pipeline.storage.sqlite_base import utc_key
from pipeline.topics import ITEMS_SCORED, Topic
from tests.factories import make_scored
from tests.servers import unique

# the messages table as logs created before this layout have it
OLD_MESSAGES = """CREATE TABLE messages (topic TEXT, partition INTEGER, offset INTEGER,
    key BLOB, value BLOB NOT NULL, headers TEXT, ts_ms INTEGER NOT NULL,
    PRIMARY KEY (topic, partition, offset)) WITHOUT ROWID;"""


def _read_all(bus: SqliteBus, topic: str) -> list:
    consumer = bus.consumer(unique("g"), [topic])
    try:
        got, batch = [], consumer.poll(1000, 0.5)
        while batch:
            got += batch
            batch = consumer.poll(1000, 0.2)
        return got
    finally:
        consumer.close()


def test_emit_of_an_encoded_record_sends_the_same_bytes(tmp_path) -> None:
    settings = load_settings(None, tmp_path / "data", env={})
    ctx = StageContext(settings)
    ctx.bus.ensure_topics([ITEMS_SCORED])
    item = make_scored(1, title="龙湖镇停水")
    ctx.emit(ITEMS_SCORED, item, key=item.event_id)
    ctx.emit(ITEMS_SCORED, item, key=item.event_id, encoded=item.to_json())
    ctx.flush()
    values = [m.value for m in _read_all(ctx.bus, ITEMS_SCORED.name)]
    ctx.close()
    assert len(values) == 2 and values[0] == values[1]
    assert ScoredItem.from_json(values[1]) == item


def test_a_new_log_appends_messages_to_a_rowid_table(tmp_path) -> None:
    SqliteBus(tmp_path / "bus.sqlite")
    with sqlite3.connect(tmp_path / "bus.sqlite") as conn:
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'messages'").fetchone()[0]
    conn.close()
    assert "WITHOUT ROWID" not in sql.upper()


@pytest.mark.parametrize("layout", ["created-before", "new"])
def test_a_log_of_either_layout_keeps_order_offsets_and_commits(tmp_path, layout) -> None:
    path = tmp_path / "bus.sqlite"
    if layout == "created-before":
        with sqlite3.connect(path) as conn:
            conn.execute(OLD_MESSAGES)
        conn.close()
    bus = SqliteBus(path)
    topic = Topic("t.layout", None, partitions=2)
    bus.ensure_topics([topic])
    producer = bus.producer()
    for i in range(50):
        producer.send(topic.name, json.dumps({"n": i}).encode(), f"k{i % 5}".encode())
    producer.flush()
    producer.close()
    got = _read_all(bus, topic.name)
    assert len(got) == 50
    for part in (0, 1):
        offsets = [m.offset for m in got if m.partition == part]
        assert offsets == list(range(len(offsets)))  # dense, in order, per partition
    group = unique("g")
    consumer = bus.consumer(group, [topic.name])
    consumer.commit(consumer.poll(30, 0.5))
    consumer.close()
    again = bus.consumer(group, [topic.name])
    assert len(again.poll(1000, 0.5)) == 20  # resumes after the committed positions
    assert again.lag() == 20
    again.close()
    bus.close()


def test_utc_key_is_the_strftime_key_it_replaced() -> None:
    rng = random.Random(11)
    values = ["2026-11-22T23:37:05+08:00", "2026-01-01T00:00:00-05:30", "2026-11-22T23:37:05.5Z"]
    for _ in range(3000):
        at = datetime(2001, 1, 1, tzinfo=UTC) + timedelta(
            seconds=rng.random() * 9e8, microseconds=rng.choice([0, rng.randrange(10**6)])
        )
        offset = timezone(timedelta(minutes=rng.choice([0, 480, -300, 345, -720, 840])))
        values.append(at.astimezone(offset).isoformat())
    for value in values:
        expected = parse_time(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        assert utc_key(value) == expected, value
    with pytest.raises(ValueError):
        utc_key("2026-11-22T23:37:05")  # naive: refused, never guessed
