"""Issue #6: relevance needs the jurisdiction. A text naming other regions' places and none of
ours is not 定安县's, whatever its duty words (the model found seed 003, 黄岩区茅畲乡's
disclosure rules, relevant at 0.99); the province above us, a short town name, a neighbour
named by our own people, or one of the office's watches keeps the model's decision."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifiers.bundle import load_model
from classifiers.model_classifier import ModelClassifier
from classifiers.rules import relevance
from classifiers.rules.relevance import out_of_area
from classifiers.watches import WatchList
from crawlers.clean import clean_text
from pipeline.profile import load_profile
from tests.classifiers.conftest import item
from tests.crawlers.conftest import SEEDS


@pytest.mark.parametrize(
    ("text", "away"),
    [
        ("江苏某化工园区发生爆炸，应急管理局已介入，周边群众已疏散", "江苏"),
        ("广州暴雨内涝严重，水务局连夜排水，多个小区停水", "广州"),
        ("河南新郑市龙湖镇一小区停水三天，居民很着急", "新郑市龙湖镇"),
        ("定安县应急管理局学习江苏化工园区爆炸事故教训", None),  # ours
        ("海南省医保局：江苏的做法我省暂不采用", None),  # the province above us
        ("我妈说去海口住院医保不给报，一定要在县医院住", None),  # a neighbour only
        ("龙湖这边征地一亩才几万，广州那边几十万", None),  # 龙湖(镇) without 镇
        ("有没有人知道县妇幼保健院为什么停诊了", None),  # "知道县…" is not 道县
    ],
)
def test_out_of_area(analyzer, text: str, away: str | None) -> None:
    a = analyzer.analyze(item(text))
    assert out_of_area(a.places, a.content, a.short_towns) == away


def seed_003() -> str:
    paths = sorted(SEEDS.glob("003*.txt"))
    if not paths:
        pytest.skip("no seed 003")
    return clean_text(paths[0].read_text(encoding="utf-8")).text


@pytest.fixture(scope="module")
def bundle():
    found = load_model(None)
    if found is None:
        pytest.skip("no bundled model")
    return found


def test_the_model_is_vetoed_on_another_regions_notice(profile, bundle, monkeypatch) -> None:
    model = ModelClassifier(profile, bundle)
    notice = item(seed_003(), 3, source_type="gov_site", source_name="黄岩区政府网")
    scored = model.score(notice)
    assert not scored.relevant and scored.categories == [] and scored.departments == []
    assert scored.explanation.startswith("不相关：地名属外地：黄岩区，未提及本辖区（模型相关概率")
    monkeypatch.setattr(relevance, "OUT_OF_AREA_VETO", False)  # the model alone: relevant
    assert model.score(notice).relevant


def test_a_watch_keeps_another_regions_item(profile, bundle, tmp_path: Path) -> None:
    path = tmp_path / "watches.yaml"
    path.write_text("watches:\n  - name: 茅畲经验\n    terms: [茅畲乡]\n", encoding="utf-8")
    model = ModelClassifier(profile, bundle, watches=WatchList.from_file(path))
    scored = model.score(item(seed_003(), 3, source_type="gov_site"))
    assert scored.relevant and scored.watches == ["茅畲经验"]


def test_a_province_profile_is_not_vetoed_on_its_own_cities(profile, bundle) -> None:
    """海南省 (the superior level): 三亚 is one of its own cities, not somewhere else."""
    text = "三亚市一小区停水三天，水务局至今没有说法，上千居民生活困难"
    county = ModelClassifier(profile, bundle)
    assert county._out_of_area(county.analyzer.analyze(item(text))) == "三亚市"
    province = ModelClassifier(load_profile("hainan"), bundle)
    assert province._out_of_area(province.analyzer.analyze(item(text))) is None
