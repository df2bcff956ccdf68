"""Training the four heads with scikit-learn: relevance, categories, lead department, town.

Every choice (regularisation C, category thresholds, calibration) is made by grouped
cross-validation on the training items (folds by event, so reposts of one event never sit on
both sides); the test split is never seen here. Linear SVMs (scikit-learn's LinearSVC;
one-vs-rest for lead and town) on the features of features.py, calibrated on out-of-fold
decision values; the weights are then kept as `LinearHead`s. Each head sees the feature
blocks with its own weights (BLOCK_WEIGHTS, folded into its weights afterwards); the category
heads learn from the relevant items only. `crossval.py` measures the whole pipeline this way.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import GroupKFold
from sklearn.svm import LinearSVC

from classifiers.analysis import Analysis, ItemAnalyzer
from classifiers.bundle import NO_TOWN, ModelBundle
from classifiers.features import FeatureSpace, make_doc
from classifiers.heads import LinearHead, fit_platt, fit_temperature, sigmoid
from classifiers.rules.departments import TOWN_LEAD
from pipeline.models import CATEGORIES, Item

if TYPE_CHECKING:
    from classifiers.corpus import CorpusItem

log = logging.getLogger("yuqing.classify.train")

C_GRID = (0.1, 0.3, 1.0, 3.0)
THRESHOLD_GRID = np.arange(0.2, 0.75, 0.05)  # category thresholds tried (out-of-fold F1)
# the model fitted on all the items is surer than its out-of-fold versions, so thresholds
# chosen on out-of-fold F1 are raised by this much (grouped CV on train, category micro-F1:
# 0.0 → 0.1: +0.007; 0.1 → 0.15: +0.001..0.003 in three runs; 0.2 is worse)
THRESHOLD_SHIFT = 0.15
# a category head's C is chosen by its out-of-fold F1 at the best threshold (how it is
# used), not at the SVM's zero. Grouped CV on train: category micro-F1 0.777 → 0.785.
CATEGORY_C_BY_THRESHOLDED_F1 = True
CATEGORIES_ON_RELEVANT = True  # fit the category heads on the relevant items only
# the lead head learns one class for "the town government of the place leads" (TOWN_LEAD)
# instead of ten town classes of ~15 items each; the router then names the place's town
# (docs/routing.md, rule 3). Grouped CV on train: lead accuracy 0.804 → 0.832.
POOL_TOWN_LEADS = True
# the routing guide's situations (situations.py) in the lead head. Grouped CV on train: lead
# 0.834 → 0.857; 0.5 scored higher but trusts the guide's rows more (docs/routing.md)
SITUATION_WEIGHT = 0.3
# per head: the weight of the (word, char, rule, reach, situation) blocks of features.py (each
# L2-normalised). A head is fitted on the scaled features and the scale is then folded into its
# weights, so prediction is still one product for all heads. Chosen by grouped CV on train.
# The routing guide's situations (situations.py) are for the lead head only.
BLOCK_WEIGHTS: dict[str, tuple[float, float, float, float, float]] = {
    "relevance": (1.0, 1.0, 0.5, 0.0, 0.0),
    "categories": (1.0, 1.0, 0.3, 0.15, 0.0),
    "lead": (1.0, 1.0, 0.5, 0.0, SITUATION_WEIGHT),
    "town": (1.0, 1.0, 1.0, 0.0, 0.0),
}


@dataclass
class Example:
    """An item and its labels, from the corpus or from the office's corrections."""

    item: Item
    relevant: bool
    categories: list[str]
    lead: str | None
    town: str | None
    group: str  # the event: CV folds never split one


def _folds(groups: Sequence[str], n: int = 5) -> list[tuple[np.ndarray, np.ndarray]]:
    k = min(n, len(set(groups)))
    return list(GroupKFold(n_splits=k).split(np.zeros(len(groups)), groups=groups))


def _lr(kind: str, c: float) -> LinearSVC:
    """A linear SVM (liblinear; one-vs-rest for several classes): fast and strong on sparse
    text features; its decision values are calibrated afterwards (Platt / temperature).
    Balanced class weights for every head (for lead and town a small gain in grouped CV; none
    for the lead: 0.856 → 0.846). A fixed seed: liblinear's dual solver visits the items in a
    random order, so without one two trainings (and two CV runs) differ by an item or two."""
    return LinearSVC(C=c, class_weight="balanced", random_state=0)


def _decision(model: LinearSVC, x: sp.csr_matrix, kind: str) -> np.ndarray:
    """Decision values (n, outputs); a two-class model gives ±z/2 columns."""
    z = model.decision_function(x)
    if kind == "binary":
        return z[:, None]
    return z if z.ndim == 2 else np.stack([-z / 2, z / 2], axis=1)


def _oof(kind: str, c: float, x: sp.csr_matrix, y: np.ndarray, folds) -> np.ndarray:
    """Out-of-fold decision values; (n, outputs)."""
    classes = np.unique(y)
    out = np.zeros((len(y), 1 if kind == "binary" else len(classes)))
    for train, test in folds:
        if len(np.unique(y[train])) < 2:
            continue
        model = _lr(kind, c).fit(x[train], y[train])
        z = _decision(model, x[test], kind)
        if kind == "binary":
            out[test] = z
        else:
            cols = np.searchsorted(classes, model.classes_)
            out[np.ix_(test, cols)] = z
            missing = np.setdiff1d(np.arange(len(classes)), cols)
            out[np.ix_(test, missing)] = -1e3
    return out


def _score(kind: str, z: np.ndarray, y: np.ndarray, classes: np.ndarray) -> float:
    if kind == "binary":
        pred = z[:, 0] > 0
        tp = np.sum(pred & (y == 1))
        return 2 * tp / max(1, pred.sum() + (y == 1).sum())
    return float(np.mean(classes[z.argmax(axis=1)] == y))


def _fit_head(name: str, kind: str, x, y: np.ndarray, groups, report: dict) -> LinearHead:
    folds = _folds(groups)
    classes = np.unique(y)
    if len(classes) < 2:  # nothing to learn: always the one class seen
        report[name] = {"cv": None, "C": None, "n": len(y), "constant": str(classes[0])}
        if kind == "binary":
            sign = 10.0 if int(classes[0]) == 1 else -10.0
            return LinearHead(name, kind, [name], np.zeros((x.shape[1], 1)), np.array([sign]))
        return LinearHead(name, kind, [str(classes[0])], np.zeros((x.shape[1], 1)), np.zeros(1))
    scored = []
    for c in C_GRID:
        z = _oof(kind, c, x, y, folds)
        scored.append((_score(kind, z, y, classes), c, z))
    best_score, best_c, z = max(scored, key=lambda t: (t[0], -t[1]))
    report[name] = {"cv": round(best_score, 4), "C": best_c, "n": len(y)}
    model = _lr(kind, best_c).fit(x, y)
    if kind == "binary":
        head = LinearHead(name, kind, [name], model.coef_.T.copy(), model.intercept_.copy())
        head.platt = fit_platt(z, (y == 1).astype(int)[:, None])
    else:
        coef, intercept = model.coef_, model.intercept_
        if coef.shape[0] == 1:  # two classes: softmax over (−z/2, z/2) is the sigmoid of z
            coef, intercept = np.vstack([-coef / 2, coef / 2]), np.r_[-intercept / 2, intercept / 2]
        classes_ = [str(c) for c in model.classes_]
        head = LinearHead(name, kind, classes_, coef.T.copy(), np.asarray(intercept).copy())
        head.temperature = fit_temperature(z, np.searchsorted(classes, y))
    return head


def _best_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """The threshold of THRESHOLD_GRID with the best out-of-fold F1."""
    grid = THRESHOLD_GRID
    f1 = [2 * np.sum((p >= t) & (y == 1)) / max(1, np.sum(p >= t) + y.sum()) for t in grid]
    return float(grid[int(np.argmax(f1))])


def _fit_category(code: str, x, y: np.ndarray, folds, report: dict):
    """One category head: C chosen by the out-of-fold F1 at the best threshold (what the head
    is used with), not at the SVM's own zero. Returns the head and its out-of-fold values."""
    scored = []
    for c in C_GRID:
        z = _oof("binary", c, x, y, folds)
        platt = fit_platt(z, y[:, None])
        p = sigmoid(z[:, 0] * platt[0, 0] + platt[0, 1])
        t = _best_threshold(p, y)
        f1 = 2 * np.sum((p >= t) & (y == 1)) / max(1, np.sum(p >= t) + y.sum())
        scored.append((f1, c, z, platt))
    best, c, z, platt = max(scored, key=lambda s: (s[0], -s[1]))
    report[code] = {"cv": round(float(best), 4), "C": c, "n": len(y)}
    model = _lr("binary", c).fit(x, y)
    head = LinearHead(code, "binary", [code], model.coef_.T.copy(), model.intercept_.copy())
    head.platt = platt
    return head, z


def _fit_categories(x, y: np.ndarray, groups, report: dict) -> LinearHead:
    """One-vs-rest: one binary head per category, thresholds chosen on out-of-fold F1."""
    folds = _folds(groups)
    weights, intercepts, platt, thresholds = [], [], [], []
    for j, code in enumerate(CATEGORIES):
        sub: dict = {}
        yj = y[:, j]
        if yj.sum() < 2:  # too few examples to learn: never predicted
            weights.append(np.zeros(x.shape[1]))
            intercepts.append(-10.0)
            platt.append((1.0, 0.0))
            thresholds.append(0.5)
            continue
        if CATEGORY_C_BY_THRESHOLDED_F1:
            head, z = _fit_category(code, x, yj, folds, sub)
        else:
            head = _fit_head(code, "binary", x, yj, groups, sub)
            z = _oof("binary", sub[code]["C"], x, yj, folds)
        p = sigmoid(z[:, 0] * head.platt[0, 0] + head.platt[0, 1])
        thresholds.append(_best_threshold(p, yj) + THRESHOLD_SHIFT)
        weights.append(head.weights[:, 0])
        intercepts.append(float(head.intercept[0]))
        platt.append(tuple(head.platt[0]))
        report[f"category:{code}"] = {**sub[code], "threshold": thresholds[-1]}
    return LinearHead(
        "categories",
        "ovr",
        list(CATEGORIES),
        np.stack(weights, axis=1),
        np.array(intercepts),
        platt=np.array(platt),
        thresholds=np.array(thresholds),
    )


def _column_scale(space: FeatureSpace, weights: tuple[float, ...]) -> np.ndarray:
    """Per column: the weight of its block (features.BLOCKS)."""
    edges = [*space.offsets, space.n_features]
    scale = np.ones(space.n_features)
    for block, w in enumerate(weights):
        scale[edges[block] : edges[block + 1]] = w
    return scale


def train_bundle(
    examples: Sequence[Example],
    analyzer: ItemAnalyzer,
    extra_meta: dict | None = None,
    analyses: Sequence[Analysis] | None = None,
) -> tuple[ModelBundle, dict]:
    """Fit features and heads on `examples`; returns the bundle and a CV report.
    `analyses`: the examples' analyses when already computed (cross-validation)."""
    if analyses is None:
        analyses = [analyzer.analyze(e.item) for e in examples]
    docs = [make_doc(a) for a in analyses]
    space = FeatureSpace().fit(docs)
    x = space.transform(docs)
    groups = np.array([e.group for e in examples])
    report: dict = {"features": space.n_features, "items": len(examples)}

    scales = {h: _column_scale(space, w) for h, w in BLOCK_WEIGHTS.items()}

    def scaled(head: str, rows: np.ndarray) -> sp.csr_matrix:
        return sp.csr_matrix(x[rows].multiply(scales[head][None, :]))

    everyone = np.arange(len(examples))
    rel = np.array([int(e.relevant) for e in examples])
    heads = {
        "relevance": _fit_head(
            "relevance", "binary", scaled("relevance", everyone), rel, groups, report
        )
    }
    cats = np.array([[int(c in e.categories) for c in CATEGORIES] for e in examples])
    cat_rows = np.flatnonzero(rel == 1) if CATEGORIES_ON_RELEVANT else everyone
    heads["categories"] = _fit_categories(
        scaled("categories", cat_rows), cats[cat_rows], groups[cat_rows], report
    )
    lead_rows = np.array([i for i, e in enumerate(examples) if e.relevant and e.lead])
    town_codes = analyzer.router.town_codes if POOL_TOWN_LEADS else set()
    leads = np.array(
        [TOWN_LEAD if examples[i].lead in town_codes else examples[i].lead for i in lead_rows]
    )
    heads["lead"] = _fit_head(
        "lead", "multiclass", scaled("lead", lead_rows), leads, groups[lead_rows], report
    )
    town_rows = np.array([i for i, e in enumerate(examples) if e.relevant])
    towns = np.array([examples[i].town or NO_TOWN for i in town_rows])
    heads["town"] = _fit_head(
        "town", "multiclass", scaled("town", town_rows), towns, groups[town_rows], report
    )
    for name, head in heads.items():  # fitted on scaled features: fold the scale in
        head.weights = head.weights * scales[name][:, None]
    meta = {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "profile": analyzer.profile.name,
        "items": len(examples),
        "cv": report,
        **(extra_meta or {}),
    }
    return ModelBundle(space, heads, meta), report


def examples_of(items: Sequence[CorpusItem]) -> list[Example]:
    """Training examples from labelled corpus items."""
    return [
        Example(
            i.to_item(),
            i.labels.relevant,
            list(i.labels.categories),
            i.labels.lead_department,
            i.labels.town,
            i.event,
        )
        for i in items
    ]
