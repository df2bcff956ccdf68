"""The benchmark returns the keys `yuqing bench` prints (a quick, small run)."""

from __future__ import annotations

from classifiers.bench import benchmarks, make_items, steps


def test_bench_returns_the_figures() -> None:
    figures = benchmarks(quick=True)
    assert figures["classify"]["items_per_s"] > 0 and figures["classify"]["per_core"] is True
    assert figures["tokenizer"]["items_per_s"] > 0
    assert figures["minhash"]["docs_per_s"] > 0
    assert figures["classify"]["with_event_index_sqlite_items_per_s"] > 0


def test_bench_items_are_300_characters() -> None:
    assert {len(i.text) for i in make_items(20)} == {300}


def test_the_steps_breakdown_names_each_step() -> None:
    found = steps(400)
    assert found["total"] > 0 and found["jieba (cut)"] > 0 and found["TF-IDF matrix"] > 0
    assert found["scan: jieba + lexicons"] >= found["jieba (cut)"]
    # the timers are on one classifier's instances: the module's functions are restored
    from classifiers import model_classifier
    from classifiers.features import make_docs
    from classifiers.sparse import top_contributions

    assert model_classifier.make_docs is make_docs
    assert model_classifier.top_contributions is top_contributions
