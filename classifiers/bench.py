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
`python -m classifiers.bench --steps [N]` prints where the stage's time goes (`steps`).
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from collections import defaultdict
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


# (object path from the classifier, attribute, label): the stage's steps, in order; nested
# steps (route inside `_decide_one`, sentiment) are counted in their callers too
STEPS = (
    ("analyzer", "_fields", "normalise + mask PII"),
    ("analyzer.scanner.tokenizer", "cut", "jieba (cut)"),
    ("analyzer.scanner", "scan", "scan: jieba + lexicons"),
    ("analyzer.places", "locate", "places"),
    ("analyzer.categories", "classify", "rule categories"),
    ("analyzer.router", "evidence", "department evidence"),
    ("analyzer.router", "route", "routing (rules' and model's)"),
    ("analyzer.relevance", "judge", "rule relevance"),
    ("analyzer.sentiment", "classify", "sentiment"),
    ("bundle.features", "transform", "TF-IDF matrix"),
    ("bundle", "predict", "model heads"),
    ("", "_explained", "explained outputs"),
    ("", "_decide_one", "decision (routing, sentiment, why)"),
    ("builder", "build", "ScoredItem"),
)
MODULE_STEPS = (("make_docs", "feature documents"), ("top_contributions", "explanations"))


def steps(n: int = 2000) -> dict[str, float]:
    """CPU µs per item of each step of the model classifier's `score_many` (batches of
    200, no event index), by timers wrapped around the steps of one classifier; "total" is
    the whole, timers included. A profile of the stage, not a figure to compare runs by."""
    from classifiers import model_classifier
    from classifiers.analysis import ItemAnalyzer
    from classifiers.bundle import load_model
    from pipeline.profile import load_profile

    bundle = load_model(None)
    if bundle is None:
        raise RuntimeError("no model bundle: the steps are the model classifier's")
    profile = load_profile("dingan")
    classifier = model_classifier.ModelClassifier(profile, bundle, analyzer=ItemAnalyzer(profile))
    items = make_items(n)
    classifier.score_many(items[:BATCH])  # warm the token memo and the feature names
    spent: dict[str, float] = defaultdict(float)

    def timed(fn: Callable, label: str) -> Callable:
        def run(*args, **kwargs):
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[label] += time.process_time() - start

        return run

    for path, attr, label in STEPS:
        owner: Any = classifier
        for name in filter(None, path.split(".")):
            owner = getattr(owner, name)
        setattr(owner, attr, timed(getattr(owner, attr), label))  # on the instance only
    saved = {name: getattr(model_classifier, name) for name, _ in MODULE_STEPS}
    try:
        for name, label in MODULE_STEPS:
            setattr(model_classifier, name, timed(saved[name], label))
        start = time.process_time()
        for i in range(0, n, BATCH):
            classifier.score_many(items[i : i + BATCH])
        total = time.process_time() - start
    finally:
        for name, fn in saved.items():
            setattr(model_classifier, name, fn)
    order = [label for *_, label in STEPS] + [label for _, label in MODULE_STEPS]
    out = {label: round(spent[label] / n * 1e6, 1) for label in order}
    return {"total": round(total / n * 1e6, 1), **out}


if __name__ == "__main__":
    if "--steps" in sys.argv:
        args = [a for a in sys.argv[1:] if a.isdigit()]
        for label, us in steps(int(args[0]) if args else 2000).items():
            print(f"{us:8.1f} µs/item  {label}")
