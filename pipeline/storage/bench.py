"""`yuqing bench` for the item store: bulk writes (docs/s) and full-text search latency
(p50 / p95), on SQLite always and on Elasticsearch when YUQING_STORE names one."""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from pipeline.models import ScoredItem
from pipeline.storage.base import ItemQuery, Stores

WORDS = ("停水", "龙湖镇", "学校", "食堂", "拆迁", "补偿", "暴雨", "水库", "工资", "物业",
         "医保", "道路", "塌方", "火灾", "村民", "投诉", "回应", "县水务局", "定城镇", "谣言")  # fmt: skip
TOWNS = (("龙湖镇", "469021102"), ("定城镇", "469021100"), ("翰林镇", "469021108"))


def make_items(n: int, seed: int = 1) -> list[ScoredItem]:
    rng = random.Random(seed)
    items = []
    for i in range(n):
        town, code = rng.choice(TOWNS)
        text = "，".join(rng.choice(WORDS) for _ in range(60))[:300]
        stamp = f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:00:00+08:00"
        items.append(ScoredItem.model_validate({
            "id": f"bench-{seed}-{i}", "source_type": "forum", "source_name": "定安论坛",
            "url": f"http://bench.example/{i}", "title": text[:20], "text": text,
            "published_at": stamp, "crawled_at": stamp, "profile": "dingan",
            "relevant": True, "categories": ["public_interest"], "risk": rng.randint(0, 100),
            "jurisdiction": {"name": town, "code": code, "level": "town"},
            "departments": [{"code": "water", "name": "县水务局", "role": "lead"}],
            "event_id": f"ev-{i // 3}",
        }))  # fmt: skip
    return items


def measure(stores: Stores, n: int, batch: int = 500) -> dict[str, Any]:
    items = make_items(n)
    started = time.perf_counter()
    for i in range(0, n, batch):
        stores.items.put_many(items[i : i + batch])
    bulk = n / (time.perf_counter() - started)
    rng = random.Random(2)
    latencies = []
    for _ in range(50):
        query = ItemQuery(text=rng.choice(WORDS), town=rng.choice(TOWNS)[1], limit=50)
        t0 = time.perf_counter()
        stores.items.search(query)
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    return {
        "bulk_docs_per_s": round(bulk, 1),
        "search_p50_ms": round(statistics.median(latencies), 2),
        "search_p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 2),
        "docs": n,
    }


def benchmarks(quick: bool = False) -> dict[str, dict[str, Any]]:
    from pipeline.storage.sqlite import open_sqlite_stores

    n = 2000 if quick else 20_000
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        stores = open_sqlite_stores(Path(tmp) / "store.sqlite")
        try:
            results["store_sqlite"] = measure(stores, n)
        finally:
            stores.close()
    url = os.environ.get("YUQING_STORE", "")
    if url.startswith(("http://", "https://")):
        from pipeline.storage.elasticsearch import open_elasticsearch_stores

        stores = open_elasticsearch_stores(url, prefix=f"bench-{uuid.uuid4().hex[:8]}")
        try:
            results["store_elasticsearch"] = measure(stores, n)
        finally:
            stores.close()
    return results
