"""`yuqing bench` for the classify stage (entry point `yuqing.benchmarks`: classify).

Measured in one run, on one core, on ~300-character items built from the corpus texts:
- classify: the stage's scoring (model + rules, batches of 200) without a state store, in
  CPU time of the process, each batch followed by the tokenizer on it (`_paired_rates`:
  on a shared machine both see the same load); and, in wall time (its store waits
  count), with the event index on the kernel's SQLite StateStore (batched: `get_many` and
  `put_many_if_absent`, one query and one transaction per batch);
- tokenizer: the raw profile tokenizer on the same items, for the ratio;
- minhash: shingling + signatures of the event index, in bulk (numpy, batches of 200, as
  the event index does) and per item.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from classifiers.corpus import CORPUS_DIR
from classifiers.lexicon import DATA_DIR
from pipeline.models import Item
from pipeline.storage.sqlite import open_sqlite_stores

TIME = "2026-11-20T10:00:00+08:00"
BATCH = 200


def sample_texts() -> list[str]:
    texts = []
    for path in sorted(CORPUS_DIR.glob("train_*.jsonl")) or [DATA_DIR / "baseline_sample.jsonl"]:
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                texts.append(json.loads(line)["text"])
            except (ValueError, KeyError):
                continue
    return texts


def make_items(n: int, length: int = 300, seed: int = 1) -> list[Item]:
    rng = random.Random(seed)
    texts = sample_texts()
    sources = ["forum", "weibo", "news", "hotline", "wechat"]
    items = []
    for i in range(n):
        text = ""
        while len(text) < length:
            text += rng.choice(texts)
        items.append(
            Item(
                id=f"bench-{i}",
                source_type=sources[i % 5],
                source_name="定安论坛",
                text=text[:length],
                published_at=TIME,
                crawled_at=TIME,
            )
        )
    return items


def _rate(n: int, fn: Callable[[], Any], repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return round(n / best, 1)


def _classify_rate(classifier, items: list[Item]) -> float:
    def run():
        for i in range(0, len(items), BATCH):
            classifier.score_many(items[i : i + BATCH])

    return _rate(len(items), run)


def _paired_rates(classifier, tokenizer, items: list[Item]) -> tuple[float, float]:
    """(classify, tokenizer) items per CPU-second, batch by batch in turn: each batch is
    scored once (new words included, as a running stage meets them) and then segmented
    (best of 3). On a shared machine the two see the same load, so their ratio holds."""
    classify = segment = 0.0
    for i in range(0, len(items), BATCH):
        batch = items[i : i + BATCH]
        start = time.process_time()
        classifier.score_many(batch)
        classify += time.process_time() - start
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            for it in batch:
                tokenizer.segment(it.text)
            best = min(best, time.process_time() - start)
        segment += best
    return round(len(items) / classify, 1), round(len(items) / segment, 1)


def benchmarks(quick: bool = False) -> dict[str, dict[str, Any]]:
    from classifiers.analysis import ItemAnalyzer
    from classifiers.baseline import RulesClassifier
    from classifiers.bundle import load_model
    from classifiers.minhash import MinHasher, batch_shingle_hashes, shingle_core, shingle_keys
    from classifiers.model_classifier import ModelClassifier
    from pipeline.profile import load_profile

    n = 600 if quick else 4000
    profile = load_profile("dingan")
    items = make_items(n)
    analyzer = ItemAnalyzer(profile)
    bundle = load_model(None)

    def build(**kwargs):
        if bundle is None:
            return RulesClassifier(profile, analyzer=analyzer, **kwargs)
        return ModelClassifier(profile, bundle, analyzer=analyzer, **kwargs)

    classifier = build()
    classifier.score_many(items[:BATCH])  # warm the token memo, as a running stage is
    classify, tok_rate = _paired_rates(classifier, analyzer.scanner.tokenizer, items)
    with tempfile.TemporaryDirectory() as tmp:
        stores = open_sqlite_stores(Path(tmp) / "store.sqlite")
        fresh = make_items(n, seed=2)
        batched = _classify_rate(build(state=stores.state), fresh)
        stores.close()
    texts = [it.text for it in items]
    hasher = MinHasher(64, seed=7)

    def bulk_signatures():  # as the event index does it: a batch at a time
        for i in range(0, n, BATCH):
            cores = [shingle_core(t) for t in texts[i : i + BATCH]]
            hasher.signatures_of_hashes(*batch_shingle_hashes(cores)[:2])

    bulk = _rate(n, bulk_signatures, repeat=3)
    single = _rate(n, lambda: [hasher.signature(shingle_keys(t)) for t in texts], repeat=3)
    return {
        "classify": {
            "items_per_s": classify,
            "per_core": True,
            "clock": "cpu",
            "classifier": classifier.name,
            "item_chars": 300,
            "with_event_index_sqlite_items_per_s": batched,
            "ratio_to_tokenizer": round(classify / tok_rate, 3),
        },
        "tokenizer": {"items_per_s": tok_rate, "per_core": True, "clock": "cpu"},
        "minhash": {"docs_per_s": bulk, "single_docs_per_s": single, "num_perm": 64},
    }
