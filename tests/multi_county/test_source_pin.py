"""A source pinned to a profile (`profile:` in its entry): the crawl carries the pin on each
item (extra.profile) and the classify stage scores it there, whatever places it names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from crawlers.sources import load_sources
from crawlers.stage import CrawlStage
from pipeline.config import ConfigError, load_settings
from pipeline.runner import run_once
from pipeline.stage import StageContext
from tests.multi_county.conftest import DINGAN_WATER, classify_stage, read_back, write_config

pytestmark = pytest.mark.timeout(180)


def sources_file(tmp_path: Path, **entry: object) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    source = {"name": "屯昌县融媒体中心（投递）", "kind": "drop_folder", "source_type": "news"}
    source.update(path=str(inbox), **entry)
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [source]}, allow_unicode=True), encoding="utf-8")
    return path


def test_a_pinned_sources_items_are_scored_in_its_profile(tmp_path: Path) -> None:
    sources = sources_file(tmp_path, profile="tunchang")
    row = {"id": "pinned-1", "text": DINGAN_WATER, "published_at": "2026-11-20T10:00:00+08:00"}
    (tmp_path / "inbox" / "feed.jsonl").write_text(json.dumps(row, ensure_ascii=False) + "\n")
    config = write_config(tmp_path)
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    raw["stages"]["crawl"] = {
        "class": "crawlers.stage:CrawlStage",
        "sources": str(sources),
        "once": True,
        "isolate": "always",
    }
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    settings = load_settings(config)
    crawl = CrawlStage.from_settings(StageContext(settings), settings.stage("crawl"))
    crawl.run(StageContext(settings).stop)
    assert run_once(classify_stage(config)) == 1
    scored = read_back(config).items["pinned-1"]
    assert scored.extra["profile"] == "tunchang"
    assert scored.profile == "tunchang", "the pin wins over the 定安 places it names"


def test_the_pin_is_checked_when_the_sources_load(tmp_path: Path) -> None:
    assert load_sources(sources_file(tmp_path, profile="tunchang"))[0].profile == "tunchang"
    assert load_sources(sources_file(tmp_path))[0].profile is None
    with pytest.raises(ConfigError, match=r"sources\[0\].*profile"):
        load_sources(sources_file(tmp_path, profile="屯昌 县"))
