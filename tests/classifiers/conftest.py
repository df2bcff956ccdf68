"""Fixtures of the classifiers tests: the shipped profile, an in-memory StateStore, a
classifier built once per module, and an Item factory with readable defaults."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from classifiers.analysis import ItemAnalyzer
from classifiers.baseline import RulesClassifier
from pipeline.models import Item
from pipeline.profile import JurisdictionProfile, load_profile
from pipeline.storage.base import StateStore

TIME = "2026-11-20T10:00:00+08:00"


class MemoryStateStore(StateStore):
    """The StateStore contract in a dict (expiry honoured), for fast unit tests."""

    def __init__(self) -> None:
        self.data: dict[tuple[str, str], tuple[Any, float | None]] = {}

    def _live(self, ns: str, key: str) -> Any | None:
        found = self.data.get((ns, key))
        if found is None or (found[1] is not None and found[1] <= time.time()):
            return None
        return found[0]

    def get(self, namespace: str, key: str) -> Any | None:
        return self._live(namespace, key)

    def put(self, namespace, key, value, expires_at=None) -> None:
        self.data[(namespace, key)] = (value, expires_at)

    def put_if_absent(self, namespace, key, value, expires_at=None) -> Any:
        current = self._live(namespace, key)
        if current is not None:
            return current
        self.put(namespace, key, value, expires_at)
        return value

    def delete(self, namespace: str, key: str) -> None:
        self.data.pop((namespace, key), None)

    def scan(self, namespace, prefix="", limit=10_000):
        keys = sorted(k for ns, k in self.data if ns == namespace and k.startswith(prefix))
        return [(k, self._live(namespace, k)) for k in keys[:limit]]

    def purge_expired(self, now: float | None = None) -> int:
        now = now or time.time()
        dead = [k for k, (_, exp) in self.data.items() if exp is not None and exp <= now]
        for k in dead:
            del self.data[k]
        return len(dead)


def item(text: str, n: int = 0, **over: Any) -> Item:
    data: dict[str, Any] = {
        "id": f"t-{n}",
        "source_type": "weibo",
        "source_name": "微博",
        "title": "",
        "text": text,
        "published_at": TIME,
        "crawled_at": TIME,
    }
    data.update(over)
    return Item.model_validate(data)


@pytest.fixture(scope="session")
def profile() -> JurisdictionProfile:
    return load_profile("dingan")


@pytest.fixture(scope="session")
def classifier(profile: JurisdictionProfile) -> RulesClassifier:
    return RulesClassifier(profile)


@pytest.fixture(scope="session")
def analyzer(profile: JurisdictionProfile) -> ItemAnalyzer:
    """One analyser for the place and relevance readings' tests (building one takes ~1 s)."""
    return ItemAnalyzer(profile)


def write_config(tmp_path: Path, **classify_options: Any) -> Path:
    config = tmp_path / "yuqing.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "data_dir": str(tmp_path / "data"),
                "profile": "dingan",
                "stages": {
                    "classify": {"class": "classifiers.stage:ClassifyStage", **classify_options}
                },
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    return config
