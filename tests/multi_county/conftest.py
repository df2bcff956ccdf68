"""A two-county deployment (定安 + 屯昌, the province 海南 as superior) on the embedded
backends: items are produced to the SQLite bus, the real classify and alert stages run over
them, and the tests read the stores (and the dashboard) as a user would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from alerts.stage import AlertStage
from classifiers.stage import ClassifyStage
from pipeline.bus.local import SqliteBus
from pipeline.config import load_settings
from pipeline.models import Case, Item, ScoredItem
from pipeline.runner import run_once
from pipeline.stage import StageContext
from pipeline.storage.base import CaseQuery, ItemQuery
from pipeline.storage.sqlite import open_sqlite_stores
from pipeline.topics import ALL_TOPICS, ITEMS_RAW

# item id → text; each names its county's places (a town, a community), the last two both
DINGAN_WATER = (
    "定安县龙湖镇全镇停水一周了，几百户村民没有自来水喝，县水务局一直不回应，大家都很愤怒"
)
DINGAN_WATER_2 = (
    "定城镇西门社区自来水发黄发臭，上千居民喝不上干净水，县水务局说在查，已经三天了，海南定安"
)
TUNCHANG_WATER = (
    "屯昌县南吕镇全镇停水一周了，几百户村民没有自来水喝，县水务局一直不回应，大家都很愤怒"
)
TUNCHANG_FOOD = "屯昌县枫木镇一家餐馆发生食物中毒，二十多人送医，市场监管局已介入"
CROSS = (
    "南渡江上游水库放水，定安县龙湖镇和屯昌县南吕镇多个村庄停水又被淹，"
    "上千群众饮水困难，水务部门至今没有说法"
)
TEXTS = {
    "d-water": DINGAN_WATER,
    "d-water-2": DINGAN_WATER_2,
    "t-water": TUNCHANG_WATER,
    "t-food": TUNCHANG_FOOD,
    "cross": CROSS,
}


def raw_item(item_id: str, text: str, **over: Any) -> Item:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    data: dict[str, Any] = {
        "id": item_id,
        "source_type": "forum",
        "source_name": "论坛",
        "text": text,
        "published_at": now,
        "crawled_at": now,
    }
    data.update(over)
    return Item.model_validate(data)


def write_config(
    tmp_path: Path,
    profiles: list[str] | None = None,
    superior: str | None = "hainan",
    use_model: bool = False,
    **top: Any,
) -> Path:
    config: dict[str, Any] = {
        "data_dir": str(tmp_path / "data"),
        "profiles": profiles if profiles is not None else ["dingan", "tunchang"],
        "stages": {
            "classify": {"class": "classifiers.stage:ClassifyStage", "use_model": use_model},
            "alert": {"class": "alerts.stage:AlertStage"},
        },
        **top,
    }
    if superior:
        config["superior"] = superior
    if not config["profiles"]:
        del config["profiles"]
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "yuqing.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def classify_stage(config: Path) -> ClassifyStage:
    settings = load_settings(config)
    stage = ClassifyStage.from_settings(StageContext(settings), settings.stage("classify"))
    assert isinstance(stage, ClassifyStage)
    return stage


def run_pipeline(config: Path, items: list[Item]) -> None:
    """items.raw ← items; then the classify and the alert stage, each until idle."""
    settings = load_settings(config)
    bus = SqliteBus(settings.bus_path)
    bus.ensure_topics(ALL_TOPICS)
    producer = bus.producer()
    for it in items:
        producer.send(ITEMS_RAW.name, it.to_bytes(), it.id.encode())
    producer.close()
    bus.close()
    assert run_once(classify_stage(config)) == len(items)
    alert = AlertStage.from_settings(StageContext(settings), settings.stage("alert"))
    run_once(alert)


@dataclass
class Deployment:
    config: Path
    items: dict[str, ScoredItem]
    cases: list[Case]

    def case_of(self, item_id: str) -> Case:
        return next(c for c in self.cases if item_id in c.items)


def read_back(config: Path) -> Deployment:
    stores = open_sqlite_stores(load_settings(config).store_path)
    try:
        items = {s.id: s for s in stores.items.search(ItemQuery(limit=1000))}
        cases = stores.cases.list(CaseQuery(limit=1000))
    finally:
        stores.close()
    return Deployment(config, items, cases)


@pytest.fixture(scope="package")
def two_counties(tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    """定安 + 屯昌 with 海南 as superior, every TEXTS item run through classify and alert."""
    config = write_config(tmp_path_factory.mktemp("two-counties"))
    run_pipeline(config, [raw_item(i, t) for i, t in TEXTS.items()])
    return read_back(config)
