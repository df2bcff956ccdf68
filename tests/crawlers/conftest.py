"""Fixtures of the crawler tests: the demo sites on 127.0.0.1, settings in tmp_path, a bus reader.

Every crawl in these tests runs in a child process (crawl_in_child) or through the real CLI,
so pytest's own process never starts a Twisted reactor (it could not start a second one).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawlers.crawl import PassReport, crawl_in_child
from crawlers.demo import DemoSites, serve_demo_sites
from crawlers.sources import SourceConfig, load_sources
from pipeline.bus.local import SqliteBus
from pipeline.config import Settings, load_settings
from pipeline.topics import ALL_TOPICS, FINDINGS, ITEMS_RAW

ROOT = Path(__file__).resolve().parents[2]
DEMO_SOURCES = ROOT / "deploy" / "sources" / "demo.yaml"
SEEDS = Path("/work/shared/seeds")


@pytest.fixture(scope="session")
def demo_sites() -> Iterator[DemoSites]:
    with serve_demo_sites() as sites:
        yield sites


@pytest.fixture
def demo_sources(demo_sites: DemoSites) -> dict[str, SourceConfig]:
    sources = load_sources(DEMO_SOURCES, env={"YUQING_DEMO_URL": demo_sites.base_url})
    return {s.source_type: s for s in sources}


def write_config(tmp_path: Path, **crawl_options: Any) -> Path:
    """A config with only the crawl stage and no tokenizer (the crawler needs none)."""
    config = {
        "data_dir": str(tmp_path / "data"),
        "stages": {
            "crawl": {
                "class": "crawlers.stage:CrawlStage",
                "sources": str(DEMO_SOURCES),
                **crawl_options,
            }
        },
    }
    path = tmp_path / "yuqing.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(write_config(tmp_path), env={})


def crawl(settings: Settings, sources: list[SourceConfig], **options: Any) -> PassReport:
    """One real crawl pass (Scrapy, real sockets) into the settings' SqliteBus."""
    return crawl_in_child(settings, sources, **options)


class BusReader:
    """Reads everything on a topic of the SqliteBus in a data folder, as JSON dicts."""

    def __init__(self, data_dir: Path):
        self.bus = SqliteBus(data_dir / "bus.sqlite")
        self.bus.ensure_topics(ALL_TOPICS)

    def read(self, topic: str = ITEMS_RAW.name) -> list[dict[str, Any]]:
        consumer = self.bus.consumer(f"test-reader-{topic}", [topic])
        out: list[dict[str, Any]] = []
        try:
            while batch := consumer.poll(1000, 0.1):
                out += [json.loads(m.value) for m in batch]
        finally:
            consumer.close()
        return out

    def items(self) -> list[dict[str, Any]]:
        return self.read(ITEMS_RAW.name)

    def findings(self) -> list[dict[str, Any]]:
        return self.read(FINDINGS.name)


@pytest.fixture
def bus_reader(settings: Settings) -> BusReader:
    return BusReader(settings.data_dir)
