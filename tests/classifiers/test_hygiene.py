"""Corpus hygiene: no event spans train and test; near-duplicates of test items are
dropped from training; the vectorised MinHash agrees with the exact Jaccard similarity."""

from __future__ import annotations

import numpy as np
import pytest

from classifiers.corpus import CorpusItem
from classifiers.hygiene import SplitError, check_event_split, clean_training_set
from classifiers.minhash import MinHasher, jaccard, shingle_keys
from tests.classifiers.test_corpus import variant

TEXT = "定安县龙湖镇居丁村已经连续停水三天，村民们只能去井里挑水，打了电话也没人管，希望水务局尽快解决。"


def corpus_item(n: int, text: str, event: str, split: str = "train") -> CorpusItem:
    return CorpusItem.model_validate(
        variant(id=f"{split}-{n}", text=text, event=event, split=split)
    )


def test_an_event_in_both_splits_is_an_error() -> None:
    train = [corpus_item(1, TEXT, "ev-a")]
    test = [corpus_item(2, "别的事", "ev-a", "test")]
    with pytest.raises(SplitError, match="ev-a"):
        check_event_split(train, test)


def test_near_duplicates_of_test_items_are_dropped() -> None:
    train = [
        corpus_item(1, "转发：" + TEXT + "//@网友：太难了", "ev-a"),
        corpus_item(2, "黄竹镇发生车祸，造成三人死亡，交警已到场处置，道路恢复通行。", "ev-b"),
    ]
    test = [corpus_item(3, TEXT, "ev-c", "test")]
    kept, report = clean_training_set(train, test)
    assert [i.id for i in kept] == ["train-2"]
    assert report.dropped == {"train-1"}
    assert "dropped 1" in report.summary()


def test_minhash_estimates_jaccard_and_bulk_equals_single() -> None:
    a, b = (
        shingle_keys(TEXT),
        shingle_keys(TEXT[:40] + "水务局回复说正在抢修管道，预计明天恢复供水。"),
    )
    hasher = MinHasher(256, seed=3)
    estimate = float(np.mean(hasher.signature(a) == hasher.signature(b)))
    assert abs(estimate - jaccard(a, b)) < 0.1
    bulk = hasher.signatures([a, b, shingle_keys("")])
    assert (bulk[0] == hasher.signature(a)).all() and (bulk[1] == hasher.signature(b)).all()
    assert (bulk[2] == hasher.signature(shingle_keys(""))).all()
