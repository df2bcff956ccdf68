"""The first end-to-end path: `yuqing demo`, `yuqing cases list --json`, and `yuqing run`
killed with SIGKILL mid-stream and restarted (no item lost, no case doubled)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline.models import CATEGORIES

ROOT = Path(__file__).resolve().parents[1]


def yuqing(
    *args: str, env: dict | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def demo_config(folder: Path) -> Path:
    """The default config with a demo port of this test run's own: item ids are hashed from
    URLs, so two runs on the same data must serve the same port, whatever else is running."""
    from tests.servers import free_port

    config = yaml.safe_load((ROOT / "deploy" / "yuqing.yaml").read_text(encoding="utf-8"))
    config["demo_port"] = free_port()
    path = folder / "yuqing.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def run_demo(data: Path, config: Path, env: dict | None = None) -> dict:
    result = yuqing("demo", "--data", str(data), "--json", "--config", str(config), env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def cases_json(data: Path, env: dict | None = None) -> list[dict]:
    result = yuqing("cases", "list", "--json", "--data", str(data), env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    config = demo_config(tmp_path_factory.mktemp("config"))
    data = tmp_path_factory.mktemp("demo")
    return data, run_demo(data, config), config


def test_demo_opens_cases_in_every_category(demo_run):
    data, summary, _ = demo_run
    assert summary["items"] >= 40
    assert 0 < summary["items_relevant"] < summary["items"], "irrelevant posts are recognised"
    assert set(summary["cases_by_category"]) == set(CATEGORIES)
    assert summary["clocks"].get("running", 0) + summary["clocks"].get("breached", 0) > 0


def test_cases_list_json_has_the_contract_fields(demo_run):
    data, summary, _ = demo_run
    cases = cases_json(data)
    assert len(cases) == summary["cases"]
    assert len({c["event_id"] for c in cases}) == len(cases), "one case per event"
    for case in cases:
        assert case["profile"] == "dingan"
        assert case["jurisdiction"]["code"].startswith("469021")
        assert case["detected_at"] and case["opened_at"]
        for clock in case["clocks"]:
            assert set(clock) >= {"name", "due_at", "met_at", "state", "rule"}
            assert clock["rule"]
    confirmed = [c for c in cases if c["confirmed_at"]]
    assert confirmed and len(confirmed) < len(cases), "研判 done on some cases, not all"
    assert {"new", "confirmed", "acknowledged"} <= {c["status"] for c in cases}
    names = {clock["name"] for case in cases for clock in case["clocks"]}
    assert "response" in names  # dingan-2016 extends national-2016: 48 h for other cases


def test_demo_again_on_the_same_data_doubles_nothing(demo_run, tmp_path):
    data, first, config = demo_run
    again = run_demo(data, config)
    assert again["items"] == first["items"]
    assert again["cases"] == first["cases"]


def live(cases: list[dict]) -> list[dict]:
    """The cases not merged into another one of the same event."""
    return [
        c
        for c in cases
        if not (
            c["status"] == "dismissed"
            and (c.get("dismissed_reason") or "").startswith("merged into")
        )
    ]


def _case_keys(cases: list[dict]) -> list[tuple]:
    """What must not depend on the backend: which events became cases, their categories
    and clocks. Titles, the first department proposal and the town follow the order items
    arrive in, which differs between partitions (a known limit, noted on the cases issue)."""
    return sorted(
        (
            tuple(sorted(c["categories"])),
            tuple(sorted(clock["name"] for clock in c["clocks"])),
        )
        for c in cases
    )


@pytest.mark.kafka
@pytest.mark.es
def test_demo_on_kafka_and_elasticsearch_gives_the_same_cases(
    demo_run, tmp_path, kafka_url, es_url
):
    data, reference, config = demo_run
    env = {"YUQING_BUS": kafka_url, "YUQING_STORE": es_url}
    summary = run_demo(tmp_path / "distributed", config, env=env)
    assert summary["items"] == reference["items"]
    assert summary["cases_by_category"] == reference["cases_by_category"]
    distributed = cases_json(tmp_path / "distributed", env=env)
    assert _case_keys(live(distributed)) == _case_keys(live(cases_json(data)))


def test_the_cases_do_not_depend_on_arrival_order_or_batch_size(demo_run, tmp_path):
    """The demo's raw items replayed in shuffled orders and odd batch sizes through the classify
    and alert stages: every replay ends with the cases of the clean run, each holding the
    same evidence."""
    import random

    from alerts.stage import AlertStage
    from classifiers.stage import ClassifyStage
    from pipeline.config import load_settings
    from pipeline.models import Item
    from pipeline.stage import Envelope, StageContext
    from pipeline.storage.base import CaseQuery

    data, reference, config = demo_run
    conn = sqlite3.connect(data / "bus.sqlite")
    raw = [
        Item.from_json(value)
        for (value,) in conn.execute(
            "SELECT value FROM messages WHERE topic = 'items.raw' ORDER BY partition, offset"
        )
    ]
    conn.close()
    assert len(raw) == reference["items"]

    def replay(seed: int, batch: int) -> set[frozenset[str]]:
        rng = random.Random(seed)
        items = rng.sample(raw, len(raw))
        settings = load_settings(config, data_dir=tmp_path / f"replay-{seed}")
        ctx = StageContext(settings)
        try:
            classify = ClassifyStage.from_settings(ctx, settings.stage("classify"))
            alert = AlertStage.from_settings(ctx, settings.stage("alert"))
            scored = []
            for i in range(0, len(items), batch):
                done = classify.transform(items[i : i + batch])  # type: ignore[attr-defined]
                ctx.stores.items.put_many(done)  # as ClassifyStage.process does
                scored += done
            scored = rng.sample(scored, len(scored))  # partitions interleave in the alert stage too
            for i in range(0, len(scored), batch):
                alert.process([Envelope(None, s) for s in scored[i : i + batch]])  # type: ignore[arg-type]
            cases = ctx.stores.cases.list(CaseQuery(limit=10_000))
        finally:
            ctx.close()
        return {
            frozenset(c.items)
            for c in cases
            if not (c.dismissed_reason or "").startswith("merged into")
        }

    clean = {frozenset(c["items"]) for c in live(cases_json(data))}
    assert len(clean) == reference["cases"]
    for seed, batch in ((1, 7), (2, 1), (3, 13)):
        got = replay(seed, batch)
        text = {i.id: (i.title or i.text)[:30] for i in raw}
        extra = [[text[i] for i in g] for g in got - clean]
        missing = [[text[i] for i in g] for g in clean - got]
        assert got == clean, f"order {seed}, batches of {batch}: {extra} instead of {missing}"
