"""The benchmark returns the keys `yuqing bench` prints (a quick, small run)."""

from __future__ import annotations

from classifiers.bench import benchmarks, make_items


def test_bench_returns_the_figures() -> None:
    figures = benchmarks(quick=True)
    assert figures["classify"]["items_per_s"] > 0 and figures["classify"]["per_core"] is True
    assert figures["tokenizer"]["items_per_s"] > 0
    assert figures["minhash"]["docs_per_s"] > 0
    assert figures["classify"]["with_event_index_sqlite_items_per_s"] > 0


def test_bench_items_are_300_characters() -> None:
    assert {len(i.text) for i in make_items(20)} == {300}
