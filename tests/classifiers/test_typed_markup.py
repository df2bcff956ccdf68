"""Issue #6: the classify stage stores the markup a person typed ("发了这段：<script>…" or
"a &lt; b") as written, masked; what is scored is its plain form, so the decisions are those
of the text without the markup; personal data the markup hides is masked all the same."""

from __future__ import annotations

import pytest

from classifiers.bundle import load_model
from classifiers.model_classifier import ModelClassifier
from tests.classifiers.conftest import item

TYPED = "定安县龙湖镇停水三天了，有人在论坛发了这段：<script>alert(1)</script> 看看，a &lt; b"
PLAIN = "定安县龙湖镇停水三天了，有人在论坛发了这段： 看看，a < b"


@pytest.fixture(scope="module")
def scorers(profile, classifier):
    bundle = load_model(None)
    if bundle is None:
        pytest.skip("no bundled model")
    return [classifier, ModelClassifier(profile, bundle)]


def test_typed_markup_is_stored_as_written_and_scored_as_plain_text(scorers) -> None:
    for scorer in scorers:
        typed, plain = scorer.score_many(
            [item(TYPED, 1, title="<b>停水</b>"), item(PLAIN, 1, title="停水")]
        )
        assert typed.text == TYPED and typed.title == "<b>停水</b>", scorer.name
        assert typed.relevant
        same = typed.model_dump(exclude={"text", "title"})
        assert same == plain.model_dump(exclude={"text", "title"}), scorer.name


@pytest.mark.parametrize(
    "hidden",
    ["电话138<b></b>1234 5678 找我", "电话&#49;3812345678找我", "身份证&#49;10101199003074258"],
)
def test_personal_data_hidden_by_markup_is_masked(scorers, hidden: str) -> None:
    for scorer in scorers:
        scored = scorer.score(item(f"定安县龙湖镇村民反映停水，{hidden}", 2, source_type="forum"))
        digits = "".join(c for c in scored.text if c.isdigit())
        assert "12345678" not in digits and "1990030742" not in digits, scored.text
        assert "【" in scored.text and "已脱敏" in scored.explanation, scorer.name
