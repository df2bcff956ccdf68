"""The classify stage's batch and short-cut paths give what the plain computations give.

- char n-grams and MinHash shingles of a whole batch equal the per-text ones;
- the cache-friendly MinHash equals `(a·x + b) mod (2^61 − 1)`, for any chunk size;
- the event index's batch signatures and band keys equal the per-item ones;
- the segmented top-k explanations equal a sort, ties included;
- the normaliser's, the PII masker's and the reach features' skipped substitutions would
  not have changed the text;
- `construct` builds what `model_construct` builds, and an Item's fields copied from its
  __dict__ are those copied one by one; a batch runs with the GC paused;
- the town features read with the place readings equal `str.find` and `in`.
"""

from __future__ import annotations

import gc
import html
import random
import re

import numpy as np
import scipy.sparse as sp

from classifiers import pii, reach
from classifiers.bench import make_items
from classifiers.decision import construct
from classifiers.events import _MIX, BANDS, ROWS, EventIndex
from classifiers.features import batch_char_keys, char_keys
from classifiers.minhash import (
    _GOLDEN,
    MAX_HASH,
    MERSENNE,
    MinHasher,
    batch_shingle_hashes,
    shingle_core,
    shingle_keys,
)
from classifiers.normalize import (
    _BLANK_LINES,
    _CONTROL,
    _CONVERTER_PUNCT,
    _PINYIN,
    _SPACES,
    _TAG,
    RAW_FACTOR,
    TextNormalizer,
)
from classifiers.sparse import top_contributions
from pipeline.models import ScoredItem
from tests.classifiers.conftest import MemoryStateStore, item

EDGE_TEXTS = ["", "a", "ab", "abc", "【电话】", "x,y", "哈" * 12, "长" * 30 + "短" * 25, "A1b2，C3"]


def texts(n: int = 120, seed: int = 4) -> list[str]:
    return [i.text for i in make_items(n, seed=seed)] + EDGE_TEXTS


def test_batch_char_keys_equal_char_keys() -> None:
    sample = texts()
    keys, offsets = batch_char_keys(sample)
    for i, text in enumerate(sample):
        assert keys[offsets[i] : offsets[i + 1]].tolist() == char_keys(text).tolist()
    assert batch_char_keys([])[1].tolist() == [0]


def plain_signature(hasher: MinHasher, keys: np.ndarray) -> np.ndarray:
    if not len(keys):
        return np.full(hasher.num_perm, MAX_HASH, dtype=np.uint64)
    mixed = (keys * _GOLDEN) >> np.uint64(32)
    return (((hasher.a * mixed[None, :] + hasher.b) % MERSENNE) & MAX_HASH).min(axis=1)


def test_batch_minhash_equals_per_text_signatures() -> None:
    hasher = MinHasher(64, seed=7)
    cores = [shingle_core(t) for t in texts()]
    key_sets = [shingle_keys(c, core=True) for c in cores]
    expected = np.stack([plain_signature(hasher, k) for k in key_sets])
    for chunk in (5, 300, 100_000):
        assert (hasher.signatures(key_sets, chunk=chunk) == expected).all()
    hashes, offsets, enough = batch_shingle_hashes(cores, at_least=8)
    assert enough.tolist() == [len(k) >= 8 for k in key_sets]
    assert (hasher.signatures_of_hashes(hashes, offsets, chunk=64) == expected).all()
    assert (hasher.signature(key_sets[0]) == expected[0]).all()


def test_the_permutation_handles_the_rare_carry() -> None:
    """y = (v & M) + (v >> 61) ≥ M needs the extra step; check it on such values."""
    m = (1 << 61) - 1
    for v in (m, m + 1, 2 * m, 2 * m + 3, 7 * m, (1 << 64) - (1 << 32), m - 1, 3 * m + 6):
        y = (v & m) + (v >> 61)
        assert (y + ((y + 1) >> 61)) & 0xFFFFFFFF == (v % m) & 0xFFFFFFFF


def plain_band_keys(signature: np.ndarray) -> list[str]:
    rows = signature.reshape(BANDS, ROWS).astype(np.uint64)
    mixed = rows[:, 0]
    for j in range(1, ROWS):
        mixed = mixed * _MIX ^ rows[:, j]
    return [f"band2:{b}:{int(h):016x}" for b, h in enumerate(mixed)]


def test_event_index_batch_signatures_and_bands() -> None:
    index = EventIndex(MemoryStateStore())
    sample = texts(40) + [None]  # type: ignore[list-item]
    sigs = index.signatures(sample)
    for text, sig in zip(sample, sigs, strict=True):
        if text is None:
            assert sig is None
            continue
        keys = shingle_keys(text)
        if len(keys) < 8:
            assert sig is None
        else:
            assert sig is not None and (sig == plain_signature(index.hasher, keys)).all()
            assert index.band_keys(sig) == plain_band_keys(sig)


def test_event_index_with_the_analyses_cores_equals_without(profile) -> None:
    """The stage hands the event index each analysis's `core` (found once for the char
    n-grams): the assignments are those of shingling the texts again."""
    from classifiers.analysis import ItemAnalyzer
    from classifiers.scoring import _Cores

    analyzer = ItemAnalyzer(profile)
    batch = make_items(60, seed=12)
    batch += [item("同问", 90), item("<b>定安县</b>龙湖镇停水【电话】", 91)]
    batch[5] = batch[5].model_copy(update={"text": batch[4].text})  # a near-duplicate
    analyses = [analyzer.analyze(it) for it in batch]
    assert [a.core for a in analyses] == [shingle_core(a.content) for a in analyses]
    entries = [(a.item, a.content, True) for a in analyses]
    plain = EventIndex(MemoryStateStore(), clock=lambda: 1e9).assign_many(entries)
    fresh = [analyzer.analyze(it) for it in batch]
    shared = EventIndex(MemoryStateStore(), clock=lambda: 1e9).assign_many(entries, _Cores(fresh))
    assert shared == plain and any(a.how == "近似重复" for a in shared)


def test_top_contributions_with_ties_equal_a_sort() -> None:
    rng = np.random.default_rng(9)
    for _ in range(10):
        x = sp.random(40, 300, density=0.2, format="csr", dtype=np.float32, random_state=rng)
        x.data = np.round(x.data * 4) / 4 + 0.25  # many equal contributions
        weights = rng.integers(-3, 4, size=(300, 5)).astype(np.float32)
        rows, outputs = rng.integers(0, 40, 120), rng.integers(0, 5, 120)
        found = top_contributions(x, np.ascontiguousarray(weights.T), rows, outputs)
        for r, o, cols in zip(rows, outputs, found, strict=True):
            lo, hi = x.indptr[r], x.indptr[r + 1]
            idx, contrib = x.indices[lo:hi], x.data[lo:hi] * weights[x.indices[lo:hi], o]
            order = sorted(range(len(idx)), key=lambda i: (-contrib[i], idx[i]))
            assert cols == [int(idx[i]) for i in order[:3] if contrib[i] > 0]


def plain_clean(normalizer: TextNormalizer, value: str, limit: int, plain: bool) -> str:
    """The normaliser without its short cuts; `plain`: tags and entities removed too."""
    text = value[: limit * RAW_FACTOR]
    if plain:
        text = html.unescape(_TAG.sub(" ", text))
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _PINYIN.sub("", text)
    text = normalizer._t2s.convert(text)
    text = _CONVERTER_PUNCT.sub("、", text)
    text = _SPACES.sub(" ", text)
    return _BLANK_LINES.sub("\n", text).strip()[:limit]


def test_normalizer_short_cuts_change_nothing() -> None:
    normalizer = TextNormalizer()
    rng = random.Random(1)
    alphabet = list("定安县龍湖鎮 \t\n\r\u00a0\u3000\u200b\ufeff\x07(wǎng)（ā）,、，、<b>abc12")
    alphabet += ["&lt;", "&amp;", "&nbsp;"]
    for _ in range(3_000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
        for limit in (10, 500):
            for plain in (False, True):
                expected = plain_clean(normalizer, value, limit, plain)
                assert normalizer.clean(value, limit, plain) == expected


def test_pii_address_short_cuts_change_nothing() -> None:
    unit = re.compile(pii._UNIT.pattern.replace("(?=[\\d一二三四五六七八九十])", "", 1))
    rng = random.Random(3)
    alphabet = list("家住在址地现居路街村小区号楼栋幢单元室房1234-之一二三十【门牌号】 ，")
    masker = pii.PiiMasker()
    for _ in range(5_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
        counts = pii.MaskCounts()
        plain = unit.sub(pii.ADDRESS_MASK, pii._HOME.sub(r"\1" + pii.ADDRESS_MASK, text))
        plain = plain.replace(pii.ADDRESS_MASK * 2, pii.ADDRESS_MASK)
        assert masker._addresses(text, counts) == plain


def test_reach_cue_regex_equals_substring_tests() -> None:
    rng = random.Random(2)
    alphabet = list("一二两三十百几数上多余来户人名家位个村小区辆0123全大们民居业主我本邻")
    sample = texts(200) + ["".join(rng.choice(alphabet) for _ in range(25)) for _ in range(3_000)]
    for text in sample:
        feats = reach.scale_features(text)
        assert [f[8:] for f in feats if f.startswith("scale:w:")] == [
            w for w in reach._COLLECTIVE if w in text
        ]
        assert [f[4:] for f in feats if f.startswith("one:")] == [
            w for w in reach._ONE_PERSON if w in text
        ]


def test_construct_equals_model_construct(classifier) -> None:
    for scored in classifier.score_many([item("定安县龙湖镇停水三天，村民王小明反映", 1)]):
        values = dict(scored.__dict__)
        again = ScoredItem.model_construct(**values)
        built = construct(values)
        assert built == again and built.model_fields_set == again.model_fields_set
        assert built.to_json() == again.to_json()


def test_score_many_pauses_the_gc_and_restores_it(classifier) -> None:
    seen = []
    original = classifier.decide_many
    classifier.decide_many = lambda analyses: seen.append(gc.isenabled()) or original(analyses)
    try:
        classifier.score_many([item("定安县龙湖镇停水", 1)])
        assert seen == [False] and gc.isenabled()
        gc.disable()
        classifier.score_many([item("定安县龙湖镇停水", 2)])
        assert not gc.isenabled()
    finally:
        gc.enable()
        del classifier.decide_many


def test_town_features_from_one_pass_equal_str_find() -> None:
    """`town_features` reads each short town name's first occurrence from one Aho-Corasick
    pass: the features are those of `str.find` and `in` on the text."""
    from classifiers.rule_features import _SEAT_WORDS, _TOWN_SUFFIX, town_features

    def plain(text: str, shorts: dict[str, str], seat: str | None) -> list[str]:
        feats = []
        for short, code in shorts.items():
            at = text.find(short)
            if at >= 0:
                feats.append(f"tshort:{code}")
                if _TOWN_SUFFIX.match(text[at + len(short) : at + len(short) + 3]):
                    feats.append(f"tsuffix:{code}")
        if seat and any(w in text for w in _SEAT_WORDS):
            feats.append(f"seat:{seat}")
        return feats

    rng = random.Random(6)
    shorts = {"岭口": "t1", "龙湖": "t2", "龙湖岭": "t3", "湖岭": "t4", "新竹": "t5"}
    alphabet = [*shorts, *_SEAT_WORDS, "镇", "墟", "中学", "人", "县", "城", "😰", "，"]
    sample = texts(200) + [
        "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 10))) for _ in range(4_000)
    ]
    for text in sample:
        for seat in ("t1", None):
            assert town_features(text, shorts, seat) == plain(text, shorts, seat), text


def test_town_features_with_readings_equal_str_find_and_in() -> None:
    """With the place readings given, the short names are read there, and the county seat
    is found by substring (the one Aho-Corasick pass is then not needed)."""
    from classifiers.rule_features import _SEAT_WORDS, _TOWN_SUFFIX, town_features

    shorts = {"岭口": "t1", "龙湖": "t2", "新竹": "t5"}
    rng = random.Random(8)
    alphabet = [*shorts, *_SEAT_WORDS, "镇", "墟", "中学", "人", "县", "城", "，"]
    for _ in range(2_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 10)))
        readings = {s: text.find(s) for s in shorts if s in text and rng.random() < 0.7}
        expected = []
        for short, code in shorts.items():
            at = readings.get(short, -1)
            if at >= 0:
                expected.append(f"tshort:{code}")
                if _TOWN_SUFFIX.match(text[at + len(short) : at + len(short) + 3]):
                    expected.append(f"tsuffix:{code}")
        if any(w in text for w in _SEAT_WORDS):
            expected.append("seat:t9")
        assert town_features(text, shorts, "t9", readings) == expected, text


def test_scored_item_from_the_items_dict_equals_field_by_field(classifier, monkeypatch) -> None:
    """`ScoredItemBuilder.build` copies an Item's fields from its __dict__; an item of a
    newer schema (its extra fields dropped) gives what the field-by-field copy gives."""
    from classifiers import decision

    items = [
        item("定安县龙湖镇停水三天，村民反映", 1, schema_version=99, note="新版本的字段"),
        item("今天天气不错", 2),
    ]
    fast = [s.to_json() for s in classifier.score_many(items)]
    monkeypatch.setattr(decision, "_ITEM_SET", frozenset())  # every item: field by field
    assert [s.to_json() for s in classifier.score_many(items)] == fast
