"""The classify stage's fast paths give what the plain computations give.

- the batch TF-IDF matrix equals the per-block one (sklearn `normalize` + `hstack`); the
  char n-grams' columns equal dict lookups (probe chains included);
- the bulk explanations equal a per-item `argsort` of value × weight;
- the division-free MinHash permutation equals `(a·x + b) mod (2^61 − 1)`;
- ScoredItems assembled with `model_construct` pass a full validation unchanged, and so do
  the department references built without validation;
- the router's remembered speaker is the speaker of the text it is asked about;
- the rules' department ranking does not depend on Python's string hashing.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from classifiers.bench import make_items
from classifiers.bundle import load_model
from classifiers.minhash import _GOLDEN, MAX_HASH, MERSENNE, MinHasher
from classifiers.model_classifier import ModelClassifier
from classifiers.rules.departments import DepartmentRouter
from classifiers.sparse import tfidf_matrix, top_contributions
from pipeline.models import DepartmentRef, Jurisdiction, ScoredItem
from tests.classifiers.conftest import item


def per_block_tfidf(rows, cols, n_rows, idf, edges) -> sp.csr_matrix:
    bounds = [*edges.tolist(), len(idf)]
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        sel = (cols >= lo) & (cols < hi)
        ones = np.ones(int(sel.sum()), dtype=np.float32)
        m = sp.csr_matrix((ones, (rows[sel], cols[sel] - lo)), shape=(n_rows, hi - lo))
        m.sum_duplicates()
        m.data = (1 + np.log(m.data)) * idf[lo:hi][m.indices]
        out.append(normalize(m, copy=False))
    return sp.hstack(out, format="csr", dtype=np.float32)


def test_tfidf_matrix_equals_the_per_block_computation() -> None:
    rng = np.random.default_rng(3)
    idf = rng.uniform(1, 5, 300).astype(np.float32)
    edges = np.array([0, 120, 290])
    rows = rng.integers(0, 40, 5_000)
    rows[rows == 7] = 8  # an empty row
    cols = np.minimum(rng.geometric(0.01, 5_000), 299)
    fast = tfidf_matrix(rows, cols, 40, idf, edges)
    slow = per_block_tfidf(rows, cols, 40, idf, edges)
    assert (fast.indptr == slow.indptr).all() and (fast.indices == slow.indices).all()
    assert fast.dtype == np.float32 and (fast.data == slow.data).all()


def test_tfidf_matrix_with_int64_keys_equals_int32_keys(monkeypatch) -> None:
    from classifiers import sparse

    rng = np.random.default_rng(6)
    idf = rng.uniform(1, 5, 300).astype(np.float32)
    edges = np.array([0, 120, 290])
    rows, cols = rng.integers(0, 40, 5_000), rng.integers(0, 300, 5_000)
    narrow = tfidf_matrix(rows, cols, 40, idf, edges)
    monkeypatch.setattr(sparse, "INT32_KEYS_BELOW", 0)  # a batch too large for int32 keys
    wide = tfidf_matrix(rows, cols, 40, idf, edges)
    assert (narrow.indptr == wide.indptr).all() and (narrow.indices == wide.indices).all()
    assert (narrow.data == wide.data).all()


def test_char_ids_equal_a_dict_lookup_with_empty_docs() -> None:
    from classifiers.features import Doc, FeatureSpace

    rng = np.random.default_rng(7)
    space = FeatureSpace()
    space.char_vocab = np.unique(rng.integers(1, 5_000, 800).astype(np.uint64))
    column = {int(k): c for c, k in enumerate(space.char_vocab)}
    sizes = [0, 30, 0, 0, 55, 1, 0]  # empty docs first, between and last
    docs = [Doc([], rng.integers(1, 5_000, n).astype(np.uint64), []) for n in sizes]
    rows, cols = space._char_ids(docs)
    expected = [
        (r, column[int(k)]) for r, d in enumerate(docs) for k in d.chars if int(k) in column
    ]
    assert list(zip(rows.tolist(), cols.tolist(), strict=True)) == expected
    assert len(expected) > 8
    none, none_cols = space._char_ids([Doc([], np.zeros(0, np.uint64), [])])
    assert len(none) == len(none_cols) == 0


def test_tfidf_matrix_with_an_empty_block_and_an_empty_batch() -> None:
    rng = np.random.default_rng(4)
    idf = rng.uniform(1, 5, 100).astype(np.float32)
    edges = np.array([0, 40, 40, 90])  # the second block has no column
    rows, cols = rng.integers(0, 12, 600), rng.integers(0, 100, 600)
    fast = tfidf_matrix(rows, cols, 12, idf, edges)
    slow = per_block_tfidf(rows, cols, 12, idf, np.array([0, 40, 90]))
    assert (fast.indptr == slow.indptr).all() and (fast.indices == slow.indices).all()
    assert (fast.data == slow.data).all()
    none = np.zeros(0, dtype=np.int64)
    empty = tfidf_matrix(none, none, 3, idf, edges)
    assert empty.shape == (3, 100) and empty.nnz == 0 and (empty.indptr == 0).all()


def test_top_contributions_equal_a_per_item_argsort() -> None:
    rng = np.random.default_rng(5)
    x = sp.random(30, 500, density=0.1, format="csr", dtype=np.float32, random_state=rng)
    weights = rng.normal(size=(500, 6)).astype(np.float32)
    rows = rng.integers(0, 30, 80)
    outputs = rng.integers(0, 6, 80)
    found = top_contributions(x, np.ascontiguousarray(weights.T), rows, outputs)
    for r, o, cols in zip(rows, outputs, found, strict=True):
        idx, val = x.indices[x.indptr[r] : x.indptr[r + 1]], x.data[x.indptr[r] : x.indptr[r + 1]]
        contrib = val * weights[idx, o]
        expected = [int(idx[i]) for i in np.argsort(-contrib)[:3] if contrib[i] > 0]
        assert cols == expected


def test_minhash_permutation_equals_the_modulo() -> None:
    hasher = MinHasher(64, seed=7)
    keys = np.array([1, 2, 2**21 + 5, 2**62 + 17, 2**64 - 1, 123456789], dtype=np.uint64)
    mixed = (keys * _GOLDEN) >> np.uint64(32)
    expected = ((hasher.a * mixed[None, :] + hasher.b) % MERSENNE) & MAX_HASH
    assert (hasher._permuted(keys) == expected).all()


@pytest.fixture(scope="module")
def model_classifier(profile):
    bundle = load_model(None)
    if bundle is None:
        pytest.skip("no bundled model")
    return ModelClassifier(profile, bundle)


def test_constructed_scored_items_are_valid(model_classifier, classifier) -> None:
    items = make_items(60, seed=4) + [
        item("定安县龙湖镇发生火灾，三人死亡，十余人受伤，村民王小明电话13812345678", 1),
        item("", 2),
    ]
    for scorer in (model_classifier, classifier):
        for scored in scorer.score_many(items):
            again = ScoredItem.model_validate(scored.model_dump())
            assert again == scored and again.to_json() == scored.to_json()
            for ref in scored.departments:
                valid = DepartmentRef.model_validate(ref.model_dump())
                assert valid == ref and valid.model_fields_set == ref.model_fields_set


def test_the_remembered_speaker_belongs_to_the_text(profile) -> None:
    router = DepartmentRouter(profile)
    county = Jurisdiction(name="定安县", code="469021", level="county")
    own_act = "定安县教育局关于秋季学期营养餐的说明\n本学期起供餐时间调整。"
    other = "网友反映秋季学期营养餐供餐时间调整，教育局何时说明？"
    ev = router.evidence(own_act)
    assert router.route(own_act, [], county, None, evidence=ev)[0].why.startswith("文中点名")
    # the same evidence asked about another text: that text's speaker (none), not the memo's
    lead = ("education", "模型")
    refs = router.route(other, [], county, None, lead=lead, evidence=ev)
    assert refs[0].why == "模型"
    assert router.route(own_act, [], county, None, lead=lead, evidence=ev)[0].why != "模型"


def test_department_ranking_does_not_depend_on_string_hashing() -> None:
    code = (
        "from classifiers.bench import make_items\n"
        "from classifiers.baseline import RulesClassifier\n"
        "from pipeline.profile import load_profile\n"
        "c = RulesClassifier(load_profile('dingan'))\n"
        "for s in c.score_many(make_items(600, seed=5)):\n"
        "    print([d.code for d in s.departments])\n"
    )
    outputs = set()
    for seed in ("1", "4"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        outputs.add(run.stdout)
    assert len(outputs) == 1


def test_key_index_probes_past_its_home_slots() -> None:
    """Keys sharing a home slot (and unknown keys landing on taken slots) are found by
    probing on; the columns equal a dict lookup."""
    from classifiers.sparse import KeyIndex

    rng = np.random.default_rng(11)
    pool = np.unique(rng.integers(1, 2**62, 20_000).astype(np.uint64))
    home = KeyIndex(pool[:300])._slots(pool)  # the home slots in a table for 300 keys
    vocab = pool[home < 64][:300]  # 300 keys in 64 home slots: long probe chains
    index = KeyIndex(vocab)
    assert len(index.keys) == 2048 and len(vocab) == 300
    column = {int(k): c for c, k in enumerate(vocab)}
    queries = np.concatenate((vocab, pool[:2_000], vocab[::-1]))
    got = index.lookup(queries).tolist()
    assert got == [column.get(int(k), -1) for k in queries.tolist()]
    assert (index.lookup(vocab) == np.arange(len(vocab))).all()
