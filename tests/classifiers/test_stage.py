"""The classify stage on the embedded bus and SQLite stores: scored items are stored and
emitted keyed by event; a replay changes nothing; an empty item still scores."""

from __future__ import annotations

from pathlib import Path

from classifiers.stage import ClassifyStage
from pipeline.bus.local import SqliteBus
from pipeline.config import load_settings
from pipeline.models import ScoredItem
from pipeline.runner import run_once
from pipeline.stage import StageContext
from pipeline.storage.base import ItemQuery
from pipeline.storage.sqlite import open_sqlite_stores
from pipeline.topics import ALL_TOPICS, ITEMS_RAW, ITEMS_SCORED
from tests.classifiers.conftest import item, write_config

POST = "定安县龙湖镇居丁村已经连续停水三天，村民们只能去井里挑水，电话13812345678。"


def build(config: Path) -> ClassifyStage:
    settings = load_settings(config)
    stage = ClassifyStage.from_settings(StageContext(settings), settings.stage("classify"))
    assert isinstance(stage, ClassifyStage)
    return stage


def produce(config: Path, items) -> None:
    bus = SqliteBus(load_settings(config).bus_path)
    bus.ensure_topics(ALL_TOPICS)
    producer = bus.producer()
    for it in items:
        producer.send(ITEMS_RAW.name, it.to_bytes(), it.id.encode())
    producer.close()
    bus.close()


def scored_messages(config: Path) -> list[tuple[bytes | None, ScoredItem]]:
    bus = SqliteBus(load_settings(config).bus_path)
    consumer = bus.consumer("test-reader", [ITEMS_SCORED.name])
    out = []
    while batch := consumer.poll(500, 0.2):
        out += [(m.key, ScoredItem.from_json(m.value)) for m in batch]
    consumer.close()
    bus.close()
    return out


def test_process_stores_and_emits_and_replay_is_idempotent(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    raw = [item(POST, 1, source_name="定安论坛"), item("转发：" + POST, 2), item("", 3)]
    produce(config, raw)
    assert run_once(build(config)) == 3

    stores = open_sqlite_stores(load_settings(config).store_path)
    try:
        stored = {s.id: s for s in stores.items.search(ItemQuery(limit=10))}
        assert set(stored) == {"t-1", "t-2", "t-3"}
        assert "13812345678" not in stored["t-1"].text
        assert stored["t-1"].event_id == stored["t-2"].event_id
        assert not stored["t-3"].relevant
    finally:
        stores.close()
    messages = scored_messages(config)
    assert sorted(m.id for _, m in messages) == ["t-1", "t-2", "t-3"]  # across partitions
    assert all(key == m.event_id.encode() for key, m in messages)

    stage = build(config)  # a replay of the same batch after a crash before commit
    again = stage.transform(raw)
    stage.ctx.close()
    assert [s.event_id for s in again] == [stored[i].event_id for i in ("t-1", "t-2", "t-3")]


def test_profile_option_overrides_the_deployment(tmp_path: Path) -> None:
    src = Path(__file__).resolve().parents[2] / "deploy" / "profiles" / "dingan.yaml"
    copy = tmp_path / "other.yaml"
    copy.write_text(
        src.read_text(encoding="utf-8").replace("name: dingan", "name: other", 1), encoding="utf-8"
    )
    stage = build(write_config(tmp_path, profile=str(copy)))
    (scored,) = stage.transform([item(POST, 1)])
    stage.ctx.close()
    assert scored.profile == "other"
