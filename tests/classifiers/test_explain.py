"""Issue #6: an explanation names the model's rule features in Chinese, never as codes
(`sit:3`, `slead:water`): the routing guide's situation by its name, departments and towns
by their names in the profile; words and unknown codes are shown as they are."""

from __future__ import annotations

import re

import pytest

from classifiers.bundle import load_model
from classifiers.explain import FeatureLabeler
from classifiers.model_classifier import ModelClassifier
from classifiers.rules.departments import SITUATIONS
from classifiers.situations import NAMES, situation_name
from tests.classifiers.conftest import item

CODE = re.compile(r"(?<![a-z])(?:sit|slead|rlead|rdept|named|kw|rcat|src|place|verdict|"
                  r"rtown|gtown|tshort|tsuffix|seat|reason|scale|one|reach):")  # fmt: skip


@pytest.fixture(scope="module")
def label(profile) -> FeatureLabeler:
    return FeatureLabeler(profile)


def test_every_situation_row_has_a_chinese_name(label) -> None:
    assert {row for *_, row in SITUATIONS} == set(NAMES)
    for n in range(len(SITUATIONS)):
        name = situation_name(n)
        assert name and re.fullmatch(r"[\u4e00-\u9fa5或]+", name), name
        assert label(f"sit:{n}") == f"情形：{name}"
    assert situation_name(len(SITUATIONS)) is None and label("sit:999") == "sit:999"


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("slead:water", "指引牵头：县水务局"),
        ("slead:@town", "指引牵头：属地镇政府"),
        ("rlead:water", "规则牵头：县水务局"),
        ("rlead:town_longhu:default", "规则默认牵头：龙湖镇人民政府"),
        ("kw:water", "职责词：县水务局"),
        ("tshort:469021102", "简称：龙湖镇"),
        ("rcat:rumor", "规则类别：谣言"),
        ("src:wechat", "来源：微信"),
        ("verdict:True", "规则判相关"),
        ("place:province", "提及海南省"),
        ("reach:views:3", "浏览量≥1000"),
        ("reach:max:0", "传播量<10"),
        ("slead:no_such_department", "slead:no_such_department"),
        ("停水", "停水"),
        ("a:b", "a:b"),
    ],
)
def test_feature_labels(label, code: str, shown: str) -> None:
    assert label(code) == shown


def test_model_explanations_show_no_codes(profile) -> None:
    bundle = load_model(None)
    if bundle is None:
        pytest.skip("no bundled model")
    texts = [
        "龙湖镇幼儿园的接送车超员，七座面包车塞了二十个小朋友",
        "岭口镇3名小学生在山塘溺水身亡",
        "黄竹镇一场农村宴席后三十多人上吐下泻",
        "网传定城镇有面包车抢小孩，家长们都不敢让孩子出门了",
        "定安县龙湖镇全镇停水一周了，几百户村民没有自来水喝",
    ]
    scored = ModelClassifier(profile, bundle).score_many(
        [item(t, n, source_type="wechat") for n, t in enumerate(texts)]
    )
    explanations = [s.explanation for s in scored]
    assert all(s.relevant for s in scored), explanations
    assert not [e for e in explanations if CODE.search(e)], explanations
    assert any("情形：" in e for e in explanations), explanations
