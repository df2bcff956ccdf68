"""Train on a tiny corpus and predict: the heads learn, the bundle round-trips through a file,
and every decision says why (the model's probability and its strongest features)."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifiers.analysis import ItemAnalyzer
from classifiers.bundle import ModelBundle
from classifiers.model_classifier import ModelClassifier
from classifiers.training import Example, train_bundle
from tests.classifiers.conftest import item

TEMPLATES = [
    (
        "{town}{village}停水{n}天了，几百户村民只能挑井水，水务局管不管？",
        True,
        ["public_interest"],
        "water",
    ),
    (
        "{town}一工地拖欠{n}十名农民工工资，工人们集体讨薪",
        True,
        ["public_interest"],
        "human_resources",
    ),
    ("{town}{village}附近民房起火，{n}人受伤，消防正在扑救", True, ["emergency"], "fire_rescue"),
    (
        "网传{town}水库要溃坝了，大家赶紧转移，紧急扩散！第{n}次转发",
        True,
        ["rumor", "emergency"],
        "water",
    ),
    ("{town}{village}村委会门口的路灯坏了{n}个月，镇里管不管", True, [], "@place"),
    ("广州天河区第{n}届美食节开幕，现场人气火爆", False, [], None),
    ("定安黑猪肉{n}折优惠，欢迎进店选购，量大从优", False, [], None),
]
PLACES = [("龙湖镇", "居丁村"), ("新竹镇", "大株村"), ("黄竹镇", "莲堆村"), ("岭口镇", "大塘村")]
TOWN_GOV = {"龙湖镇": "town_longhu", "新竹镇": "town_xinzhu", "黄竹镇": "town_huangzhu"}
TOWN_GOV |= {"岭口镇": "town_lingkou"}


def tiny_corpus() -> list[Example]:
    examples = []
    for t, (text, relevant, cats, lead) in enumerate(TEMPLATES):
        for p, (town, village) in enumerate(PLACES):
            for n in range(2, 5):
                it = item(text.format(town=town, village=village, n=n), t * 100 + p * 10 + n)
                code = TOWN_GOV[town] if lead == "@place" else lead
                examples.append(
                    Example(it, relevant, cats, code, town if relevant else None, f"ev-{t}-{p}")
                )
    return examples


@pytest.fixture(scope="module")
def trained(profile):
    analyzer = ItemAnalyzer(profile)
    bundle, report = train_bundle(tiny_corpus(), analyzer)
    return ModelClassifier(profile, bundle, analyzer=analyzer), bundle, report


def test_the_heads_learn_the_tiny_corpus(trained) -> None:
    model, _, report = trained
    assert report["relevance"]["cv"] > 0.9
    water = model.score(item("富文镇白鹤村停水五天了，几百户村民只能挑井水，水务局管不管？", 1))
    assert water.relevant and water.categories == ["public_interest"]
    assert water.departments[0].code == "water" and water.departments[0].role == "lead"
    assert water.jurisdiction.name == "富文镇"
    assert "模型" in water.explanation and "模型" in water.departments[0].why
    advert = model.score(item("定安黑猪肉九折优惠，欢迎进店选购", 2))
    assert not advert.relevant and advert.categories == [] and advert.departments == []


def test_town_leads_are_learned_once_for_every_town(trained) -> None:
    """docs/routing.md rule 3: the lead head learns one class for "the place's town
    government" from four towns, and names the government of a fifth it never saw lead."""
    model, bundle, _ = trained
    assert "@town" in bundle.heads["lead"].classes
    assert not any(c.startswith("town_") for c in bundle.heads["lead"].classes)
    s = model.score(item("富文镇白鹤村村委会门口的路灯坏了五个月，镇里管不管", 4))
    assert s.relevant and s.jurisdiction.name == "富文镇"
    assert (s.departments[0].code, s.departments[0].role) == ("town_fuwen", "lead")
    assert "属地管理" in s.departments[0].why


def test_the_bundle_round_trips_and_stays_small(trained, tmp_path: Path, profile) -> None:
    model, bundle, _ = trained
    path = bundle.save(tmp_path / "models" / "current.joblib")
    assert path.stat().st_size < 5_000_000
    again = ModelClassifier(profile, ModelBundle.load(path))
    text = item("网传岭口镇水库要溃坝了，大家赶紧转移，紧急扩散！", 3)
    first, second = model.score(text), again.score(text)
    assert first.categories == second.categories
    assert first.departments == second.departments
    assert set(first.categories) >= {"rumor"}
    codes = [d.code for d in first.departments]
    assert "public_security" in codes  # the seeds' rule: rumours go to the police


def test_training_twice_gives_the_same_model(trained, profile) -> None:
    """A fixed seed for liblinear: two trainings (and two cross-validation runs, whose
    figures decide what is kept) agree to the last weight."""
    import numpy as np

    _, bundle, _ = trained
    again, _ = train_bundle(tiny_corpus(), ItemAnalyzer(profile))
    for name, head in bundle.heads.items():
        assert np.array_equal(head.weights, again.heads[name].weights), name
        assert np.array_equal(head.intercept, again.heads[name].intercept), name
