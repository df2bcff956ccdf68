"""SIGKILL soak on the embedded backends: `yuqing run` (every stage a supervised subprocess over
one SQLite bus and store, dashboard off) crawls the bundled demo sites and is killed with SIGKILL
(supervisor and stages at once) at random points, several times, then left to finish. Afterwards
every item is in the store once (as many as a clean `yuqing demo` finds), and there is one case
per event with no item listed twice.

The kill points are random but in the work, not after it (the whole demo is done in ~10 s): during
start-up, when a random share of the items is stored, later when a larger share is, and when a
random share of the cases is open. They come from a seeded RNG; the seed and what each kill hit
are in the failure messages, so a failing sequence can be replayed.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.distributed.harness import (
    ROOT,
    StageProcess,
    all_cases,
    case_problems,
    stopped_at_exit,
    stored_items,
    wait_for,
)

KILL_WAIT_S = 20.0  # each kill comes when its random point is reached, or after this
FINISH_S = 120.0
SEED = 20261122


def count(db: Path, sql: str) -> int:
    """A read that never takes a lock a stage needs (the store may be mid-write or torn)."""
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return 0
    try:
        return conn.execute(sql).fetchone()[0]
    except sqlite3.Error:
        return 0
    finally:
        conn.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A clean, uninterrupted `yuqing demo`: how many items and cases the demo sites give."""
    data = tmp_path_factory.mktemp("reference")
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "demo", "--data", str(data), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def test_run_survives_repeated_sigkills(reference, tmp_path):
    from crawlers.demo import serve_demo_sites

    rng = random.Random(SEED)
    data = tmp_path / "data"
    config = yaml.safe_load((ROOT / "deploy" / "yuqing.yaml").read_text(encoding="utf-8"))
    config.update(data_dir=str(data), web={"enabled": False})
    for name in ("classify", "alert"):  # small batches: kill points inside a stage's work
        config["stages"][name]["batch_size"] = 20
    config_path = tmp_path / "yuqing.yaml"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    store = data / "store.sqlite"

    def items() -> int:
        return count(store, "SELECT COUNT(*) FROM items")

    def cases() -> int:  # live ones: not merged into another case of the same event
        return count(
            store,
            "SELECT COUNT(*) FROM cases WHERE NOT (status = 'dismissed'"
            " AND json_extract(doc, '$.dismissed_reason') LIKE 'merged into%')",
        )

    n_items, n_cases = reference["items"], reference["cases"]
    start_up = time.monotonic() + rng.uniform(1.0, 4.0)  # the first run's clock starts now
    points = [  # (what, reached?) in the order of the work
        ("start-up", lambda: time.monotonic() >= start_up),
        ("items", lambda k=rng.randint(1, n_items // 2): items() >= k),
        ("items", lambda k=rng.randint(n_items // 2, n_items - 1): items() >= k),
        ("cases", lambda k=rng.randint(1, n_cases - 1): cases() >= k),
    ]
    kills: list[tuple[str, int, int]] = []
    with serve_demo_sites() as sites:
        env = {"YUQING_DEMO_URL": sites.base_url}
        for n, (what, reached) in enumerate(points):
            run = StageProcess(f"run-{n}", ["run", "--config", str(config_path)],
                               tmp_path / f"run-{n}.log", env, nice=10).start()  # fmt: skip
            with stopped_at_exit(run):
                deadline = time.monotonic() + KILL_WAIT_S
                while not reached() and time.monotonic() < deadline and run.alive():
                    time.sleep(0.02)
                assert run.alive(), run.tail()
                run.kill()  # SIGKILL to the group: supervisor and every stage at once
            kills.append((what, items(), cases()))

        final = StageProcess("run-final", ["run", "--config", str(config_path)],
                             tmp_path / "run-final.log", env).start()  # fmt: skip
        with stopped_at_exit(final):
            wait_for(
                lambda: items() >= n_items and drained(data / "bus.sqlite"),
                FINISH_S,
                f"caught up after kills {kills} (seed {SEED})",
                [final],
            )
            # a quiet spell: anything still in flight lands now, so a double would show
            wait_for(lambda: quiet(items, cases), 30, "counts settle", [final], interval_s=0)
            assert final.kill(signal.SIGTERM) in (0, -signal.SIGTERM), final.tail()

    where = f"kills (point, items, cases) {kills}, seed {SEED}"
    unfinished = [k for k in kills if k[1] < n_items or k[2] < n_cases]
    assert len(unfinished) >= 3, f"the kills must land mid-stream: {where}"
    assert count(store, "SELECT COUNT(*) FROM items") == n_items, where
    assert count(store, "SELECT COUNT(DISTINCT id) FROM items") == n_items, where
    ids = [row[0] for row in read_rows(store, "SELECT id FROM items")]
    stored = all_cases(config_path)
    # event clustering follows arrival order, but cases shown to be one event are merged
    # (alerts/event_links.py): the live cases are those of the clean run, whatever the kills
    assert cases() == n_cases, where
    assert case_problems(stored, stored_items(config_path, ids)) == [], where


def drained(bus: Path) -> bool:
    """Both consumer groups committed everything on their topics (the embedded bus's tables)."""
    lag = count(
        bus,
        "SELECT COALESCE(SUM(n.next - COALESCE(g.offset, 0)), -1) FROM next_offsets n "
        "LEFT JOIN group_offsets g ON g.topic = n.topic AND g.partition = n.partition "
        "AND g.grp = CASE n.topic WHEN 'items.raw' THEN 'yuqing.classify' ELSE 'yuqing.alert' END "
        "WHERE n.topic IN ('items.raw', 'items.scored', 'findings')",
    )
    return lag == 0


def read_rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def quiet(*counters, spell_s: float = 3.0) -> bool:
    """True when the counts did not change over `spell_s`."""
    before = [c() for c in counters]
    time.sleep(spell_s)
    return [c() for c in counters] == before
