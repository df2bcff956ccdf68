"""SIGKILL soak on both backends: `yuqing run` (every stage a supervised subprocess, dashboard
off) over the embedded SQLite bus and store, or over Kafka and Elasticsearch (noida-db), crawls
the bundled demo sites, notifies through a webhook (a local HTTP receiver), and is killed with SIGKILL
(supervisor and stages at once, two classify copies among them) at random points, several
times, then left to finish.
Afterwards every item is in the store once (as many as a clean `yuqing demo` finds), there is
one case per event with no item listed twice, and every notice was delivered under its one
message id (a re-send after a kill repeats the id, never makes a new one).

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
import uuid
from pathlib import Path

import pytest
import yaml

from alerts.notices import OUTBOX
from pipeline.config import load_settings
from pipeline.models import Case
from pipeline.storage import CaseQuery, ItemQuery, open_stores
from pipeline.storage.base import StoreError
from pipeline.topics import FINDINGS, ITEMS_RAW, ITEMS_SCORED
from tests.alerts.channels.receivers import HOOK_SECRET, RobotReceiver
from tests.distributed.harness import (
    ROOT,
    StageProcess,
    admin,
    all_cases,
    case_problems,
    end_offsets,
    expire_members,
    opened_stores,
    stage_processes,
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


class Watch:
    """What the soak reads of one deployment while it runs: counts, and whether the stage
    groups have consumed everything."""

    def items(self) -> int:
        raise NotImplementedError

    def cases(self) -> int:
        """Live cases: not merged into another case of the same event."""
        raise NotImplementedError

    def drained(self) -> bool:
        raise NotImplementedError

    def after_kill(self) -> None:
        """What the broker would do by itself once the dead members' sessions expire."""

    def describe(self) -> str:
        """The stage groups as the broker sees them, for a failure message."""
        return ""


class EmbeddedWatch(Watch):
    def __init__(self, data: Path):
        self.store, self.bus = data / "store.sqlite", data / "bus.sqlite"

    def items(self) -> int:
        return count(self.store, "SELECT COUNT(*) FROM items")

    def cases(self) -> int:
        return count(
            self.store,
            "SELECT COUNT(*) FROM cases WHERE NOT (status = 'dismissed'"
            " AND json_extract(doc, '$.dismissed_reason') LIKE 'merged into%')",
        )

    def drained(self) -> bool:
        return drained(self.bus)


class KafkaWatch(Watch):
    """Counts through the test's own Elasticsearch client, lag through the Kafka admin API."""

    GROUPS = {
        "yuqing.classify": [ITEMS_RAW.name],
        "yuqing.alert": [ITEMS_SCORED.name, FINDINGS.name],
    }

    def __init__(self, config: Path, bus_url: str):
        self.stores = open_stores(load_settings(config))
        self.bus_url = bus_url

    def items(self) -> int:
        try:
            self.stores.items.refresh()
            return self.stores.items.count()
        except StoreError:  # the index templates are not there before the first run
            return 0

    def cases(self) -> int:
        try:
            self.stores.cases.refresh()
            return sum(not merged_away(c) for c in self.stores.cases.list(CaseQuery(limit=10_000)))
        except StoreError:
            return 0

    def drained(self) -> bool:
        ends = end_offsets(self.bus_url, [t for topics in self.GROUPS.values() for t in topics])
        with admin(self.bus_url) as client:
            for group, topics in self.GROUPS.items():
                committed = client.list_group_offsets({group: None})[group]
                done = {tp: o.offset for tp, o in committed.items() if tp.topic in topics}
                if any(done.get(tp, 0) < end for tp, end in ends.items() if tp.topic in topics):
                    return False
        return True

    def after_kill(self) -> None:
        for group in self.GROUPS:
            expire_members(self.bus_url, group)  # noida-db never expires a dead member

    def describe(self) -> str:
        try:
            with admin(self.bus_url) as client:
                groups = client.describe_groups(list(self.GROUPS))
            return "\n".join(f"group {name}: {desc}" for name, desc in groups.items())
        except Exception as exc:  # a diagnosis only: the failure it explains comes first
            return f"groups not described: {exc!r}"

    def close(self) -> None:
        self.stores.close()


def merged_away(case: Case) -> bool:
    return case.status == "dismissed" and (case.dismissed_reason or "").startswith("merged into")


def soak_config(tmp_path: Path, hook: RobotReceiver, **backends: str) -> Path:
    """deploy/yuqing.yaml with this test's data dir, backends and one webhook for everyone
    (it needs no address, so every recipient is reachable)."""
    config = yaml.safe_load((ROOT / "deploy" / "yuqing.yaml").read_text(encoding="utf-8"))
    config.update(data_dir=str(tmp_path / "data"), web={"enabled": False}, **backends)
    for name in ("classify", "alert"):  # small batches: kill points inside a stage's work
        config["stages"][name]["batch_size"] = 20
    config["stages"]["classify"]["processes"] = 2  # two copies in one group, both killed
    config["stages"]["notify"].update(
        enabled=True,
        tick_interval_s=0.5,
        digest={"enabled": False},
        retry={"first_s": 0.5},
        channels={"hook": {"type": "webhook", "url": hook.url("/hook"), "secret": HOOK_SECRET}},
        recipients={"default": {"channels": ["hook"]}},
    )
    path = tmp_path / "yuqing.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def test_run_survives_repeated_sigkills(reference, receiver, tmp_path):
    config = soak_config(tmp_path, receiver)
    soak(config, EmbeddedWatch(tmp_path / "data"), reference, receiver, tmp_path)


@pytest.mark.kafka
@pytest.mark.es
def test_run_over_kafka_and_elasticsearch_survives_repeated_sigkills(
    reference, receiver, own_noida, tmp_path
):
    prefix = f"t{uuid.uuid4().hex[:10]}"
    config = soak_config(
        tmp_path, receiver, bus=own_noida.kafka_url, store=own_noida.es_url, es_prefix=prefix
    )
    watch = KafkaWatch(config, own_noida.kafka_url)
    try:
        soak(config, watch, reference, receiver, tmp_path)
    finally:
        watch.close()


def soak(config: Path, watch: Watch, reference: dict, hook: RobotReceiver, tmp_path: Path) -> None:
    from crawlers.demo import serve_demo_sites

    rng = random.Random(SEED)
    items, cases = watch.items, watch.cases
    n_items, n_cases = reference["items"], reference["cases"]
    start_up = time.monotonic() + rng.uniform(1.0, 4.0)  # the first run's clock starts now
    points = [  # (what, reached?) in the order of the work
        ("start-up", lambda: time.monotonic() >= start_up),
        ("items", lambda k=rng.randint(1, n_items // 2): items() >= k),
        ("items", lambda k=rng.randint(n_items // 2, n_items - 1): items() >= k),
        ("cases", lambda k=rng.randint(1, n_cases - 1): cases() >= k),
    ]
    kills: list[tuple[str, int, int]] = []
    copies: list[int] = []  # classify processes seen at each kill
    with serve_demo_sites() as sites:
        # kafka-python's group logs in the run logs: a failure shows joins and assignments
        env = {"YUQING_DEMO_URL": sites.base_url, "YUQING_KAFKA_LOG": "INFO"}
        for n, (what, reached) in enumerate(points):
            run = StageProcess(f"run-{n}", ["run", "--config", str(config)],
                               tmp_path / f"run-{n}.log", env, nice=10).start()  # fmt: skip
            with stopped_at_exit(run):
                deadline = time.monotonic() + KILL_WAIT_S
                while not reached() and time.monotonic() < deadline and run.alive():
                    time.sleep(0.02)
                assert run.alive(), run.tail()
                copies.append(len(stage_processes(config, "classify")))
                run.kill()  # SIGKILL to the group: supervisor and every stage at once
            kills.append((what, items(), cases()))
            watch.after_kill()

        final = StageProcess("run-final", ["run", "--config", str(config)],
                             tmp_path / "run-final.log", env).start()  # fmt: skip
        with stopped_at_exit(final):
            try:
                wait_for(
                    lambda: items() >= n_items and watch.drained(),
                    FINISH_S,
                    f"caught up after kills {kills} (seed {SEED})",
                    [final],
                )
            except AssertionError as exc:
                raise AssertionError(f"{exc}\n{watch.describe()}") from None
            # a quiet spell: anything still in flight lands now, so a double would show
            wait_for(
                lambda: quiet(items, cases, lambda: len(hook.requests)),
                60,
                "counts settle",
                [final],
                interval_s=0,
            )
            assert final.kill(signal.SIGTERM) in (0, -signal.SIGTERM), final.tail()

    where = f"kills (point, items, cases) {kills}, seed {SEED}"
    unfinished = [k for k in kills if k[1] < n_items or k[2] < n_cases]
    assert len(unfinished) >= 3, f"the kills must land mid-stream: {where}"
    assert max(copies) == 2, f"classify copies at the kills: {copies}"
    with opened_stores(config) as stores:
        stores.items.refresh()
        assert stores.items.count() == n_items, where
        ids = sorted(i.id for i in stores.items.search(ItemQuery(limit=10 * n_items)))
        outbox = dict(stores.state.scan(OUTBOX))
    assert len(ids) == len(set(ids)) == n_items, where
    stored = all_cases(config)
    # event clustering follows arrival order, but cases shown to be one event are merged
    # (alerts/event_links.py): the live cases are those of the clean run, whatever the kills
    assert sum(not merged_away(c) for c in stored) == n_cases, where
    assert case_problems(stored, stored_items(config, ids)) == [], where
    assert_each_notice_once(outbox, hook, where)


def assert_each_notice_once(outbox: dict, hook: RobotReceiver, where: str) -> None:
    """Every notice in the outbox went out, under its own id only: a message re-sent after a
    kill carries the same Idempotency-Key and the same title. Findings (source down, a notice
    undeliverable) go out under "fnd-" ids of their own."""
    assert outbox, "the soak made no notice at all"
    titles: dict[str, set[str]] = {}
    for request in hook.on("/hook"):
        titles.setdefault(request.headers["idempotency-key"], set()).add(request.json["title"])
    unknown = {m for m in titles if not m.startswith("fnd-")} - set(outbox)
    assert not unknown, f"sent under ids the outbox never had: {sorted(unknown)[:5]} ({where})"
    unsent = sorted(m for m, n in outbox.items() if n["state"] != "sent" or m not in titles)
    assert not unsent, f"{len(unsent)} notices not delivered, e.g. {unsent[:5]} ({where})"
    assert all(len(t) == 1 for t in titles.values()), f"one id, two messages ({where})"


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
