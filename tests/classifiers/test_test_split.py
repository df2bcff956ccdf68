"""Regression on the held-out test split with the bundled model: the figures reached (relevance
F1 0.970, category micro-F1 0.866, lead accuracy 0.844, town accuracy 0.953 — 0.963 / 0.862
before the jurisdiction check of rules/relevance.py `out_of_area`; rules baseline 0.856 /
0.444 / 0.540 / 0.776: its town 0.729 before a short name read as a place set it, and
0.824 / 0.435 / 0.506 / 0.708 before a town's short name counted as an anchor), minus a
small margin, and the model beats the rules baseline on every figure.
The test split is only measured here, never used for training or tuning."""

from __future__ import annotations

import pytest

from classifiers.bundle import BUNDLED, ModelBundle
from classifiers.corpus import CORPUS_DIR, CorpusLoader
from classifiers.metrics import HEADLINE, measure

REACHED = {
    "relevance_f1": 0.970,
    "category_micro_f1": 0.866,
    "lead_accuracy": 0.844,
    "town_accuracy": 0.953,
}
MARGIN = 0.02


@pytest.fixture(scope="module")
def figures(profile):
    if not (CORPUS_DIR / "test.jsonl").exists() or not BUNDLED.exists():
        pytest.skip("no test split or no bundled model")
    from classifiers.analysis import ItemAnalyzer
    from classifiers.baseline import RulesClassifier
    from classifiers.model_classifier import ModelClassifier

    gold = CorpusLoader(profile).load_split("test")
    items = [g.to_item() for g in gold]
    analyzer = ItemAnalyzer(profile)
    model = ModelClassifier(profile, ModelBundle.load(BUNDLED), analyzer=analyzer)
    rules = RulesClassifier(profile, analyzer=analyzer)
    return measure(model.score_many(items), gold), measure(rules.score_many(items), gold)


def test_the_bundled_model_keeps_its_figures(figures) -> None:
    model, _ = figures
    for key, reached in REACHED.items():
        assert getattr(model, key) >= reached - MARGIN, (key, getattr(model, key))


def test_the_model_beats_the_rules_baseline_on_every_figure(figures) -> None:
    model, rules = figures
    for key in HEADLINE:
        assert getattr(model, key) > getattr(rules, key), key
