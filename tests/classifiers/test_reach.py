"""Reach and scale features (classifiers/reach.py) and the per-head block weights: counts of
people, collective and one-person cues, metrics in decade bins, and a fitted bundle whose
reach block is used by the category head only."""

from __future__ import annotations

from classifiers.reach import reach_features, scale_features
from pipeline.models import Metrics


def test_counts_of_people_are_binned() -> None:
    assert "scale:count100" in scale_features("200多名工人集体讨薪")
    assert "scale:count100" in scale_features("上百户村民没水喝")
    assert "scale:count100" in scale_features("三个村停水两天")
    feats = scale_features("几十个人打起来了")
    assert "scale:count10" in feats and "scale:count100" not in feats
    assert not [f for f in scale_features("我家门口的路灯坏了") if f.startswith("scale:count")]


def test_collective_and_one_person_cues() -> None:
    feats = scale_features("全村村民们联名反映")
    assert {"scale:w:全村", "scale:w:村民们", "scale:w:联名", "scale:several"} <= set(feats)
    assert {"one:来电人", "one:我家"} <= set(scale_features("来电人反映我家被扣了钱"))


def test_metrics_in_decade_bins() -> None:
    feats = reach_features(Metrics(views=16_708, replies=72, reposts=0))
    assert feats == ["reach:views:4", "reach:replies:1", "reach:max:4"]
    assert reach_features(None) == ["reach:none"]
    assert reach_features(Metrics()) == ["reach:max:0"]


def test_only_the_category_head_reads_the_reach_block(profile) -> None:
    import numpy as np

    from classifiers.analysis import ItemAnalyzer
    from classifiers.training import train_bundle
    from tests.classifiers.test_training import tiny_corpus

    bundle, _ = train_bundle(tiny_corpus(), ItemAnalyzer(profile))
    start, end = bundle.features.offsets[3:5]  # the situation block follows (the lead's)
    assert bundle.features.n_reach > 0
    assert bundle.features.name(start).startswith(("scale:", "one:", "reach:"))
    for head in ("relevance", "lead", "town"):
        assert not np.any(bundle.heads[head].weights[start:end])
    assert np.any(bundle.heads["categories"].weights[start:end])
