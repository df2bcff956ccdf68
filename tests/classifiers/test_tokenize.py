"""The tokenizer knows the profile's places and departments; the index tokens have no
punctuation or whitespace."""

from __future__ import annotations

from classifiers.tokenize import ProfileTokenizer, segment, segment_for_index


def test_profile_words_are_kept_whole(profile) -> None:
    tok = ProfileTokenizer(profile)
    words = tok.segment("定安县龙湖镇居丁村村民反映，县水务局对停水问题没有回应")
    for w in ("定安县", "龙湖镇", "居丁村", "县水务局", "停水"):
        assert w in words


def test_index_tokens_drop_punctuation_and_space() -> None:
    tokens = segment_for_index("龙湖镇 停水！！ ABC，县水务局。")
    assert "龙湖镇" in tokens and "水务局" in tokens and "abc" in tokens
    assert not any(t.strip("！，。 ") == "" for t in tokens)
    assert segment_for_index("") == []


def test_module_functions_use_the_default_profile() -> None:
    assert "南丽湖" in segment("南丽湖景区门票涨价")
