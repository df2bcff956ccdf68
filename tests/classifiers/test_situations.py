"""The routing guide's situations as features (issue #6): every matching row is named with the
lead it gives, the features form the last block of the feature space, only the lead head
weighs them, and a bundle saved before the block existed transforms as before."""

from __future__ import annotations

import numpy as np
import pytest

from classifiers.analysis import ItemAnalyzer
from classifiers.features import Doc, FeatureSpace, make_doc
from classifiers.situations import PREFIXES, situation_features
from classifiers.training import Example, train_bundle
from tests.classifiers.conftest import item


@pytest.mark.parametrize(
    ("text", "lead"),
    [
        ("龙湖镇幼儿园的接送车超员，七座面包车塞了二十个小朋友", "public_security"),
        ("岭口镇3名小学生在山塘溺水身亡", "education"),
        ("南丽湖景区一名游客溺水", "tourism_culture"),
        ("黄竹镇一场农村宴席后三十多人上吐下泻", "market_regulation"),
        ("龙门镇深水村山体滑坡，未造成人员伤亡", "natural_resources"),
        ("龙门镇深水村山体滑坡，两人被埋", "emergency"),
    ],
)
def test_a_situation_names_its_row_and_the_guide_s_lead(text: str, lead: str) -> None:
    feats = situation_features(text)
    assert f"slead:{lead}" in feats
    assert any(f.startswith("sit:") for f in feats)


def test_an_ordinary_text_matches_no_situation() -> None:
    assert situation_features("定城镇今天召开全县乡村振兴工作会议") == []


TEXTS = [  # (text, categories, lead); no lead: not relevant
    ("{town}幼儿园的接送车超员，面包车塞了{n}十个孩子", ["public_interest"], "public_security"),
    ("{town}{n}名小学生在山塘溺水", ["emergency"], "education"),
    ("{town}一工地拖欠{n}十名农民工工资，工人们集体讨薪", ["public_interest"], "human_resources"),
    ("{town}停水{n}天了，几百户村民只能挑井水，水务局管不管？", ["public_interest"], "water"),
    ("广州天河区{town}路第{n}届美食节开幕，现场人气火爆", [], None),
]
TOWNS = ["龙湖镇", "新竹镇", "黄竹镇", "岭口镇"]


@pytest.fixture(scope="module")
def trained(profile):
    examples = [
        Example(
            item(text.format(town=town, n=n), t * 100 + p * 10 + n),
            lead is not None,
            cats,
            lead,
            town if lead else None,
            f"ev-{t}-{p}",
        )
        for t, (text, cats, lead) in enumerate(TEXTS)
        for p, town in enumerate(TOWNS)
        for n in range(2, 5)
    ]
    bundle, _ = train_bundle(examples, ItemAnalyzer(profile))
    return bundle


def test_the_situation_block_is_last_and_only_the_lead_head_weighs_it(trained) -> None:
    space = trained.features
    start = space.offsets[4]
    names = [space.name(c) for c in range(start, space.n_features)]
    assert names and all(n.startswith(PREFIXES) for n in names)
    assert not any(space.name(c).startswith(PREFIXES) for c in range(space.offsets[2], start))
    for head in ("relevance", "categories", "town"):
        assert not np.any(trained.heads[head].weights[start:]), head
    assert np.any(trained.heads["lead"].weights[start:])


def test_a_bundle_saved_before_the_situation_block_transforms_as_before(profile) -> None:
    analyzer = ItemAnalyzer(profile)
    docs = [
        make_doc(analyzer.analyze(item(t.format(town="龙湖镇", n=3), k)))
        for k, (t, _, _) in enumerate(TEXTS)
    ]
    assert any(r.startswith(PREFIXES) for d in docs for r in d.rules)
    plain = [
        Doc(d.words, d.chars, [r for r in d.rules if not r.startswith(PREFIXES)]) for d in docs
    ]
    old = FeatureSpace(min_df=1).fit(plain)
    del old.__dict__["n_situation"]  # as unpickled from a bundle of before the block
    assert old.offsets[4] == old.n_features
    assert (old.transform(docs) != old.transform(plain)).nnz == 0
