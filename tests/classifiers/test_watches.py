"""Watches: an item matching an office-defined topic in its period carries the watch name."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifiers.baseline import RulesClassifier
from classifiers.watches import WatchList
from tests.classifiers.conftest import item

WATCHES = """
watches:
  - name: 医保缴费调整
    terms: [医保缴费, 医保费]
    period: {start: 2026-11-01, end: 2026-11-30}
  - name: 龙湖供水
    terms: [停水]
    all_terms: [龙湖镇]
  - name: 去年的专题
    terms: [停水]
    period: {start: 2025-01-01, end: 2025-12-31}
"""


def test_matching_items_carry_the_watch_names(tmp_path: Path, profile) -> None:
    path = tmp_path / "watches.yaml"
    path.write_text(WATCHES, encoding="utf-8")
    watches = WatchList.from_file(path)
    c = RulesClassifier(profile, watches=watches)
    water = c.score(item("定安县龙湖镇居丁村停水三天了", 1))
    assert water.watches == ["龙湖供水"]
    assert "专题：龙湖供水" in water.explanation
    fees = c.score(item("听说明年医保缴费要涨到一千块？", 2))
    assert fees.watches == ["医保缴费调整"]
    later = c.score(item("医保费又涨了", 3, published_at="2026-12-02T10:00:00+08:00"))
    assert later.watches == []


def test_a_broken_watch_file_names_the_watch(tmp_path: Path) -> None:
    path = tmp_path / "watches.yaml"
    path.write_text("watches:\n  - name: 空\n    terms: []\n", encoding="utf-8")
    with pytest.raises(ValueError, match="watch 1: terms"):
        WatchList.from_file(path)
