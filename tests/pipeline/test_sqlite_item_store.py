"""The SQLite item store's batched write (pipeline/storage/sqlite.py): one transaction and
batch statements per call, with the full-text index kept exactly in step with the items."""

from __future__ import annotations

import sqlite3

from pipeline.storage.base import ItemQuery
from pipeline.storage.sqlite import bigram_tokenizer, open_sqlite_stores
from tests.factories import make_scored


def _fts_rows(path) -> tuple[int, int, int]:
    """(items, full-text rows, full-text rows without an item): the last must be 0."""
    with sqlite3.connect(path) as conn:
        items = conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
        texts = conn.execute("SELECT COUNT(*) FROM items_text").fetchone()[0]
        orphans = conn.execute(
            "SELECT COUNT(*) FROM items_text WHERE rowid NOT IN (SELECT rowid FROM items)"
        ).fetchone()[0]
    conn.close()
    return items, texts, orphans


def test_replacing_in_batches_keeps_one_text_row_per_item(tmp_path):
    path = tmp_path / "store.sqlite"
    stores = open_sqlite_stores(path)
    stores.items.put_many([make_scored(i, title="", text=f"龙湖镇停水第{i}次") for i in range(300)])
    # half of them again with new text, mixed with new items, in one batch
    again = [make_scored(i, title="翰林镇学校食堂", text="过期食品") for i in range(0, 300, 2)]
    stores.items.put_many(
        again + [make_scored(i, title="", text="暴雨塌方") for i in range(300, 320)]
    )
    assert _fts_rows(path) == (320, 320, 0)
    assert stores.items.count(ItemQuery(text="食堂")) == 150
    assert stores.items.count(ItemQuery(text="停水")) == 150  # the odd ones kept their text
    assert stores.items.count(ItemQuery(text="塌方")) == 20
    assert stores.items.get("item-4").title == "翰林镇学校食堂"
    stores.close()


def test_the_same_id_twice_in_one_batch_keeps_the_last(tmp_path):
    path = tmp_path / "store.sqlite"
    stores = open_sqlite_stores(path)
    stores.items.put_many(
        [make_scored(1, title="第一版", text="停水"), make_scored(1, title="第二版", text="火灾")]
    )
    assert _fts_rows(path) == (1, 1, 0)
    assert stores.items.get("item-1").title == "第二版"
    assert stores.items.search(ItemQuery(text="停水")) == []
    assert [i.id for i in stores.items.search(ItemQuery(text="火灾"))] == ["item-1"]
    stores.close()


def test_index_tokens_are_the_searchable_terms_whatever_their_padding(tmp_path):
    """Tokens with surrounding whitespace or without a word character index (and so find)
    exactly what the stripped, filtered terms of a query look for."""

    def tokenizer(text: str) -> list[str]:
        padded = {"停水": " 停水 ", "龙湖镇": "\u3000龙湖镇\n"}
        return [padded.get(t, t) for t in text.split("|")]

    stores = open_sqlite_stores(tmp_path / "store.sqlite", tokenizer)
    stores.items.put_many([make_scored(1, title="", text="龙湖镇|，|停水|…|App")])
    for query, found in (("停水", 1), ("龙湖镇|停水", 1), ("，", 0), ("…", 0), ("火灾", 0)):
        assert stores.items.count(ItemQuery(text=query)) == found, query
    stores.close()


def test_bigram_tokens_without_a_dictionary():
    assert bigram_tokenizer("龙湖镇 App2 停水，中 x") == [
        "龙湖", "湖镇", "app2", "停水", "中", "x",
    ]  # fmt: skip


def test_default_tokenizer_search_finds_bigrams_and_words(tmp_path):
    stores = open_sqlite_stores(tmp_path / "store.sqlite")
    stores.items.put_many([make_scored(1, title="", text="龙湖镇居丁村 WiFi 停水")])
    for query, found in (("龙湖镇", 1), ("居丁", 1), ("wifi", 1), ("停水三天", 0), ("湖居", 0)):
        assert stores.items.count(ItemQuery(text=query)) == found, query
    stores.close()
