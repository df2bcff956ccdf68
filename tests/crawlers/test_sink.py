"""ItemSink and SeenIndex over the real SQLite bus and state store: only new or changed items."""

from __future__ import annotations

from crawlers.sink import ItemSink, SeenIndex
from pipeline.stage import StageContext
from pipeline.storage.sqlite import open_sqlite_stores
from tests.crawlers.conftest import BusReader
from tests.factories import iso, make_item


def test_unchanged_items_are_skipped_and_changed_ones_keep_their_first_detection(settings):
    ctx = StageContext(settings)
    stores = open_sqlite_stores(settings.data_dir / "store.sqlite")
    try:
        seen = SeenIndex(stores.state)
        sink = ItemSink(ctx, seen, flush_every=100)
        first = make_item(1, crawled_at=iso(10))
        assert sink.accept(first)
        assert seen.lookup(first.id) is None  # marked only once the bus flush returned
        sink.flush()
        assert seen.lookup(first.id)["crawled_at"] == iso(10)
        assert not sink.accept(make_item(1, crawled_at=iso(20)))
        changed = make_item(1, crawled_at=iso(30), text="龙湖镇居丁村今天恢复供水了。")
        assert sink.accept(changed)
        sink.flush()
    finally:
        ctx.close()
        stores.close()
    items = BusReader(settings.data_dir).items()
    assert [i["id"] for i in items] == ["item-1", "item-1"]
    assert items[1]["crawled_at"] == iso(10) and items[1]["updated_at"] == iso(30)
    assert (sink.stats.emitted, sink.stats.unchanged, sink.stats.updated) == (2, 1, 1)


def test_without_a_seen_index_everything_is_emitted(settings):
    ctx = StageContext(settings)
    try:
        sink = ItemSink(ctx, None, flush_every=1)
        assert sink.accept(make_item(2)) and sink.accept(make_item(2))
    finally:
        ctx.close()
    assert len(BusReader(settings.data_dir).items()) == 2
