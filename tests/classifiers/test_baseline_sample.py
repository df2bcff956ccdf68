"""The rules baseline on the labelled sample: prints the figures, fails on regressions.

The thresholds sit a little below today's figures; a trained model must beat them.
"""

from __future__ import annotations

from classifiers.evaluate import evaluate, load_sample
from pipeline.models import CATEGORIES, ScoredItem


def test_sample_covers_every_category_and_town(profile) -> None:
    rows = load_sample()
    assert len(rows) >= 55
    for code in CATEGORIES:
        assert any(code in e["categories"] for _, e in rows), code
    assert {t.name for t in profile.towns} <= {e["town"] for _, e in rows}
    assert sum(not e["relevant"] for _, e in rows) >= 10


def test_baseline_accuracy(classifier, capsys) -> None:
    rows = load_sample()
    scored: list[ScoredItem] = []

    def score(item):
        scored.append(classifier.score(item))
        return scored[-1]

    report = evaluate(score, rows)
    with capsys.disabled():
        print("\n" + report.summary())
    assert report.relevance_accuracy >= 0.93
    for code in CATEGORIES:
        assert report.precision(code) >= 0.75, code
        assert report.recall(code) >= 0.8, code
    assert report.town_accuracy >= 0.9
    assert report.lead_accuracy >= 0.85
    assert all(s.profile == "dingan" and s.explanation for s in scored)
