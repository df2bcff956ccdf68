"""What one alert batch costs against a case of 1k / 10k / 50k items (issue #11): CPU time
and function calls of a batch that joins 100 items to the case, of one that merges 10 small
cases into it (`same_event_as`), the bytes written per batch and the size of the stored
case. A measurement, not a test: `.venv/bin/python -m tests.alerts.case_size_cost [N …]`.
"""

from __future__ import annotations

import cProfile
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alerts.cases import case_id_for
from alerts.stage import AlertStage
from pipeline.config import load_settings
from pipeline.stage import Envelope, StageContext
from tests.alerts.conftest import FakeClock, write_config
from tests.factories import make_scored

BUILD = 500  # items per batch while the case is built
JOIN = 100  # items per measured batch
ROUNDS = 5


class WriteCounter:
    """Counts the case writes (store.update/create) and the bytes of text they hand SQLite
    (the statements' string parameters: the document, the new evidence ids)."""

    def __init__(self, store: Any):
        self.writes = self.bytes = 0
        for name in ("update", "create"):
            original = getattr(store, name)
            setattr(store, name, self._wrap(original))
        store._conn = _CountingConnection(store._conn, self)

    def _wrap(self, original: Callable) -> Callable:
        def counted(case):  # type: ignore[no-untyped-def]
            self.writes += 1
            return original(case)

        return counted


class _CountingConnection:
    def __init__(self, conn: Any, counter: WriteCounter):
        self._real, self._counter = conn, counter

    def execute(self, sql: str, params: Any = ()) -> Any:
        if not sql.lstrip().upper().startswith("SELECT"):
            self._counter.bytes += sum(len(p.encode()) for p in params if isinstance(p, str))
        return self._real.execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> Any:
        rows = list(rows)
        for params in rows:
            self._counter.bytes += sum(len(p.encode()) for p in params if isinstance(p, str))
        return self._real.executemany(sql, rows)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def run(stage: AlertStage, batch: list) -> tuple[float, int]:
    """(CPU ms, function calls) of one stage batch."""
    profile = cProfile.Profile()
    t0 = time.process_time()
    profile.enable()
    stage.process([Envelope(None, it) for it in batch])  # type: ignore[arg-type]
    profile.disable()
    return (time.process_time() - t0) * 1000, sum(e.callcount for e in profile.getstats())


def measure(size: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(write_config(Path(tmp)))
        ctx = StageContext(settings, clock=FakeClock())
        stage = AlertStage.from_settings(ctx, settings.stage("alert"))
        assert isinstance(stage, AlertStage)
        try:
            for start in range(0, size, BUILD):
                batch = [make_scored(n, event_id="evt-big") for n in range(start, start + BUILD)]
                stage.process([Envelope(None, it) for it in batch])  # type: ignore[arg-type]
            counter = WriteCounter(ctx.stores.cases)
            join_ms, join_calls = [], []
            for r in range(ROUNDS):
                first = 1_000_000 + r * JOIN
                batch = [make_scored(n, event_id="evt-big") for n in range(first, first + JOIN)]
                ms, calls = run(stage, batch)
                join_ms.append(ms)
                join_calls.append(calls)
            join_bytes = counter.bytes / ROUNDS
            merge_ms, merge_writes, merge_bytes = [], [], []
            for r in range(ROUNDS):
                smalls = [f"evt-s{r}-{k}" for k in range(10)]
                first = 2_000_000 + r * 100
                opening = [
                    make_scored(first + k, event_id=e, risk=80) for k, e in enumerate(smalls)
                ]
                stage.process([Envelope(None, it) for it in opening])  # type: ignore[arg-type]
                links = [
                    make_scored(first + 50 + k, event_id="evt-big", same_event_as=[e])
                    for k, e in enumerate(smalls)
                ]
                w, b = counter.writes, counter.bytes
                ms, _ = run(stage, links)
                merge_ms.append(ms)
                merge_writes.append(counter.writes - w)
                merge_bytes.append(counter.bytes - b)
            case_id = case_id_for("dingan", "evt-big")
            row = ctx.stores.cases.get(case_id)
            assert row is not None
            store = ctx.stores.cases
            doc = store._query("SELECT doc FROM cases WHERE case_id = ?", (case_id,))[0][0]  # type: ignore[attr-defined]
            return {
                "case_items": len(row.items),
                "case_json_kb": round(len(row.to_json()) / 1024, 1),
                "stored_doc_kb": round(len(doc) / 1024, 1),
                "timeline": len(row.timeline),
                "join_100_cpu_ms": round(sorted(join_ms)[ROUNDS // 2], 1),
                "join_100_calls": sorted(join_calls)[ROUNDS // 2],
                "join_100_kb_written": round(join_bytes / 1024, 1),
                "merge_10_cpu_ms": round(sorted(merge_ms)[ROUNDS // 2], 1),
                "merge_10_case_writes": sorted(merge_writes)[ROUNDS // 2],
                "merge_10_kb_written": round(sorted(merge_bytes)[ROUNDS // 2] / 1024, 1),
            }
        finally:
            ctx.close()


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:]] or [1_000, 10_000, 50_000]
    for n in sizes:
        print(json.dumps({"size": n, **measure(n)}), flush=True)
