"""`ScoringClassifier.score_many` on arbitrary Items, with the rules baseline and the bundled
model: a valid ScoredItem (or a clear ValueError), never another exception, never a hang; and
personal data with valid check digits never survives unmasked in text, title or author."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from classifiers.baseline import RulesClassifier
from classifiers.bundle import load_model
from classifiers.model_classifier import ModelClassifier
from classifiers.scoring import ScoringClassifier
from pipeline.models import Item, ScoredItem
from pipeline.profile import load_profile
from tests.classifiers.conftest import MemoryStateStore
from tests.fuzz.strategies import STORABLE_TEXT, bank_card, html_tree, mobile, resident_id

TIME = "2026-11-20T10:00:00+08:00"
SOURCE_TYPES = st.sampled_from(["weibo", "forum", "news", "hotline", "gov_site", "other"])


@pytest.fixture(scope="module")
def scorers() -> list[ScoringClassifier]:
    profile = load_profile("dingan")
    found: list[ScoringClassifier] = [RulesClassifier(profile, MemoryStateStore())]
    bundle = load_model(None)
    assert bundle is not None, "the bundled model is missing"
    found.append(ModelClassifier(profile, bundle, state=MemoryStateStore()))
    return found


def make_item(n: int, text: str, title: str = "", **over: Any) -> Item:
    data: dict[str, Any] = {"id": f"fuzz-{n}", "source_type": "weibo", "source_name": "微博",
                            "title": title, "text": text, "published_at": TIME,
                            "crawled_at": TIME}  # fmt: skip
    data.update(over)
    return Item.model_validate(data)


def score_all(scorer: ScoringClassifier, items: list[Item]) -> list[ScoredItem]:
    start = time.perf_counter()
    try:
        out = scorer.score_many(items)
    except ValueError as exc:  # allowed, if it says what is wrong
        assert str(exc).strip()
        return []
    assert time.perf_counter() - start < 10 + len(items)
    assert len(out) == len(items)
    for item, scored in zip(items, out, strict=True):
        assert scored.id == item.id
        ScoredItem.from_json(scored.to_json())  # serialisable and valid
        assert 0 <= scored.risk <= 100 and scored.explanation
    return out


ITEMS = st.builds(
    lambda text, title, author, source_type: (text, title, author, source_type),
    st.one_of(STORABLE_TEXT, html_tree(depth=3, text=STORABLE_TEXT)),
    STORABLE_TEXT,
    st.one_of(st.none(), STORABLE_TEXT),
    SOURCE_TYPES,
)


@settings(max_examples=25)
@given(st.lists(ITEMS, min_size=1, max_size=4))
@example([("", "", None, "weibo")])
@example([("😀😡🔥💧" * 50, "😀", "😀", "weibo")])
@example([("<html><script>var a='<b>';</script><p>定安县&nbsp;龙湖镇</p>停水", "<b>x</b>", None,
           "forum")])  # fmt: skip
@example([("定安\x00县\x07龙湖镇\u200b停水\ufeff\x1b[31m三天\u202e", "\x00", "\x1b", "news")])
def test_any_item_scores_or_fails_clearly(scorers, rows) -> None:
    items = [
        make_item(i, text, title, author=author, source_type=st_)
        for i, (text, title, author, st_) in enumerate(rows)
    ]
    for scorer in scorers:
        score_all(scorer, items)


def test_a_lone_surrogate_in_author_is_stripped_or_refused(scorers) -> None:
    for scorer in scorers:
        score_all(scorer, [make_item(0, "定安县龙湖镇停水", author="村民\ud800")])


def test_a_megabyte_of_text_is_scored_quickly(scorers) -> None:
    items = [make_item(0, "定安县龙湖镇停水了。" * 100_000), make_item(1, "1" * 1_000_000),
             make_item(2, "<p>" * 200_000)]  # fmt: skip
    for scorer in scorers:
        for scored in score_all(scorer, items):
            assert len(scored.text) <= 20_000


PII = st.one_of(resident_id(), mobile(), bank_card())
BEFORE = st.sampled_from(["", " ", "，", "：", "电话", "身份证号", "卡号", "村民王小明", "(", "）",
                          "\n", "。", "tel:", "ID:", "QQ群", "定安县龙湖镇"])  # fmt: skip
AFTER = st.sampled_from(["", " ", "，", "：", "号", "的", ")", "\n", "。", "…", "（本人）"])


def assert_masked(scorers, item: Item, pii: str) -> None:
    digits = "".join(c for c in pii if c.isdigit() or c in "Xx")
    for scorer in scorers:
        (scored,) = score_all(scorer, [item])
        for name in ("text", "title", "author"):
            shown = getattr(scored, name) or ""
            assert pii not in shown, f"{scorer.name}: {name} keeps {pii!r}: {shown!r}"
            assert digits not in "".join(c for c in shown if c.isdigit() or c in "Xx"), (
                f"{scorer.name}: {name} keeps the digits of {pii!r}: {shown!r}"
            )


@settings(max_examples=60)
@given(PII, BEFORE, AFTER, st.sampled_from(["text", "title", "author"]))
@example("110101199003074258", "", "", "text")
@example("13812345678", "手机", "", "author")
@example("6222021234567890128", "卡号", "。", "title")
def test_personal_data_never_survives_unmasked(scorers, pii, before, after, where) -> None:
    value = f"{before}{pii}{after}"
    fields: dict[str, Any] = {"text": "村民反映龙湖镇停水三天。", "title": "", "author": None}
    fields[where] = value if where != "text" else f"村民反映龙湖镇停水三天。{value}"
    item = make_item(0, fields["text"], fields["title"], author=fields["author"])
    assert_masked(scorers, item, pii)


@pytest.mark.parametrize(
    "value, pii",
    [("110000193001010059tel:13800000000", "110000193001010059"),
     ("ID110101199003074258", "110101199003074258")],
)  # fmt: skip
def test_personal_data_next_to_latin_letters_is_masked(scorers, value, pii) -> None:
    assert_masked(scorers, make_item(0, f"村民反映龙湖镇停水三天。{value}"), pii)
