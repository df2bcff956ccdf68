"""Bad input never crashes or hangs the classifier: empty, emoji, 1 MB, mixed scripts,
control characters, HTML left in the text → a valid ScoredItem, quickly."""

from __future__ import annotations

import time

import pytest

from classifiers.bundle import load_model
from classifiers.model_classifier import ModelClassifier
from pipeline.models import ScoredItem
from tests.classifiers.conftest import item

BAD = {
    "empty": "",
    "spaces": " \n\t\u3000 ",
    "emoji": "😀😡🔥💧" * 50,
    "huge": "定安县龙湖镇停水了。" * 100_000,
    "mixed": "Dingan 定安 ティンアン 정안 Динъань دينغآن 定安縣網(wǎng)站 停水",
    "control": "定安\x00县\x07龙湖镇\u200b停水\ufeff\x1b[31m三天\u202e",
    "html": "<html><script>var a='<b>';</script><p>定安县&nbsp;龙湖镇</p><div>停水三天</div>",
    "one_line_of_digits": "1" * 50_000,
}


@pytest.fixture(scope="module")
def model_classifier(profile):
    bundle = load_model(None)
    if bundle is None:
        pytest.skip("no bundled model")
    return ModelClassifier(profile, bundle)


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_text_gives_a_valid_scored_item(classifier, model_classifier, name) -> None:
    for scorer in (classifier, model_classifier):
        start = time.perf_counter()
        scored = scorer.score(item(BAD[name], 1, title=BAD[name][:1000]))
        assert time.perf_counter() - start < 5
        assert isinstance(ScoredItem.model_validate(scored.model_dump()), ScoredItem)
        assert len(scored.text) <= 20_000
        assert "\x00" not in scored.text
        if name == "html":  # kept as the characters it is (the web escapes it), still read
            assert scored.text.startswith("<html><script>") and scored.relevant, scorer.name


def test_empty_items_are_irrelevant(model_classifier) -> None:
    scored = model_classifier.score(item("", 2))
    assert not scored.relevant and scored.risk == 0 and scored.explanation
