"""The trained models combined with the rules: every decision says why.

Models decide relevance, the categories, the lead department, and the town where the
gazetteer does not; the rules keep the gazetteer town, other-region detection (as features),
severity from casualties, the co-departments of the seeds' routing rules (属地管理, rumours
to the police, emergencies to 应急管理局, vertical departments), sentiment, risk and PII.
The explanation names the model's probability and the features that pushed it most.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from classifiers.analysis import Analysis
from classifiers.bundle import NO_TOWN, ModelBundle
from classifiers.decision import Decision
from classifiers.explain import FeatureLabeler
from classifiers.features import make_docs
from classifiers.rules import relevance
from classifiers.rules.severity import severity as read_severity
from classifiers.scoring import ScoringClassifier
from classifiers.sparse import top_contributions
from pipeline.models import Jurisdiction

TOWN_MIN_P = 0.5


def argmax(values: list[float]) -> int:
    """`np.argmax` of a list: the first position of the largest value."""
    return max(range(len(values)), key=values.__getitem__)


class ModelClassifier(ScoringClassifier):
    """Rules evidence + trained heads (`ModelBundle`)."""

    name = "model"

    def __init__(self, profile, bundle: ModelBundle, **kwargs):
        super().__init__(profile, **kwargs)
        self.bundle = bundle
        self.towns = {t.name: t for t in profile.towns}
        # one Jurisdiction per town, built (and validated) once, shared as the county's is
        self._town_places = {
            t.name: Jurisdiction(name=t.name, code=t.code, level="town") for t in profile.towns
        }
        self.n_features = bundle.features.n_features
        self._names: list[str] | None = None

    def decide(self, a: Analysis) -> Decision:
        return self.decide_many([a])[0]

    def decide_many(self, analyses: Sequence[Analysis]) -> list[Decision]:
        """One feature matrix and one product per batch; the explanations of every item's
        decisions are then found together (`top_contributions`), not item by item."""
        rows = [i for i, a in enumerate(analyses) if not a.empty]
        out: list[Decision | None] = [None] * len(analyses)
        for i, a in enumerate(analyses):
            if a.empty:
                out[i] = self.empty_decision(a)
        if not rows:
            return out  # type: ignore[return-value]
        x = self.bundle.features.transform(make_docs([analyses[i] for i in rows]))
        # Python floats (the same values) per row: the per-item decisions below compare and
        # format a few numbers each, which costs less on floats than on numpy scalars
        probs = {h: p.tolist() for h, p in self.bundle.predict(x).items()}
        per_row = [{h: p[r] for h, p in probs.items()} for r in range(len(rows))]
        wanted = [self._explained(analyses[i], per_row[r]) for r, i in enumerate(rows)]
        pairs = [(r, h, k) for r, heads in enumerate(wanted) for h, k in heads]
        start = self.bundle.output_start
        cols = top_contributions(
            x,
            self.bundle.weights_t,
            np.array([r for r, _, _ in pairs], dtype=np.int64),
            np.array([start[h] + k for _, h, k in pairs], dtype=np.int64),
        )
        tops: list[dict[tuple[str, int], list[int]]] = [{} for _ in rows]
        for (r, h, k), found in zip(pairs, cols, strict=True):
            tops[r][h, k] = found
        for r, i in enumerate(rows):
            out[i] = self._decide_one(analyses[i], per_row[r], tops[r])
        return out  # type: ignore[return-value]

    def _explained(self, a: Analysis, p: dict[str, list[float]]) -> list[tuple[str, int]]:
        """The (head, output) pairs whose explanation `_decide_one` will give."""
        heads = self.bundle.heads
        wanted = [("relevance", 0)]
        if p["relevance"][0] < 0.5:
            return wanted
        cat_head = heads["categories"]
        wanted += [
            ("categories", j)
            for j in range(len(cat_head.classes))
            if p["categories"][j] >= cat_head.thresholds[j]
        ]
        if (a.place or self.analyzer.county).level != "town":
            k = argmax(p["town"])
            name = heads["town"].classes[k]
            if name != NO_TOWN and name in self.towns and p["town"][k] >= TOWN_MIN_P:
                wanted.append(("town", k))
        wanted.append(("lead", argmax(p["lead"])))
        return wanted

    def _why(self, head: str, tops: dict, output: int, p: float) -> str:
        if self._names is None:  # every feature's name in Chinese, once (~40,000 strings)
            label = FeatureLabeler(self.profile)
            self._names = [label(self.bundle.features.name(c)) for c in range(self.n_features)]
        names = "、".join(map(self._names.__getitem__, tops[head, output]))
        return f"模型{p:.2f}：{names}" if names else f"模型{p:.2f}"

    def _out_of_area(self, a: Analysis) -> str | None:
        """The other region an item the model finds relevant is about (rules/relevance.py
        `out_of_area`), unless the veto is off, the profile is a city or province (whose
        cities and counties are other regions to the gazetteer), or a watch matches it."""
        if not relevance.OUT_OF_AREA_VETO or self.analyzer.county.level != "county":
            return None
        away = relevance.out_of_area(a.places, a.content, a.short_towns)
        if away and self.watches and self.watches.match(a.item, a.content, a.tokens):
            return None  # a topic the office watches is its own, wherever it happens
        return away

    def _decide_one(
        self, a: Analysis, p: dict[str, list[float]], tops: dict[tuple[str, int], list[int]]
    ) -> Decision:
        heads = self.bundle.heads
        p_rel = float(p["relevance"][0])
        relevant = p_rel >= 0.5
        rule_note = f"；规则：{a.verdict.reason}"
        away = self._out_of_area(a) if relevant else None
        if not relevant or away:
            why = self._why("relevance", tops, 0, p_rel).replace("模型", "模型相关概率", 1)
            if away:
                why = f"地名属外地：{away}，未提及本辖区（{why}）"
            sentiment = self.analyzer.sentiment.classify(a.content, [], a.hits["sentiment"])
            return Decision(False, why + rule_note, self.analyzer.county, sentiment=sentiment)
        relevance_why = self._why("relevance", tops, 0, p_rel) + rule_note

        cat_head = heads["categories"]
        categories, category_why = [], {}
        for j, code in enumerate(cat_head.classes):
            pj = float(p["categories"][j])
            if pj >= cat_head.thresholds[j]:
                categories.append(code)
                category_why[code] = self._why("categories", tops, j, pj)

        place, place_why = a.place or self.analyzer.county, ""
        if place.level == "town":
            place_why = "地名：" + "、".join(a.places.town_words.get(place.code, [])[:3])
        else:
            k = argmax(p["town"])
            name = heads["town"].classes[k]
            if name != NO_TOWN and name in self.towns and p["town"][k] >= TOWN_MIN_P:
                place = self._town_places[name]
                place_why = self._why("town", tops, k, float(p["town"][k]))

        grade, casualties = read_severity(a.content) if "emergency" in categories else (None, None)
        k = argmax(p["lead"])
        lead = (heads["lead"].classes[k], self._why("lead", tops, k, float(p["lead"][k])))
        departments = self.analyzer.router.route(
            a.content, categories, place, grade, lead=lead, evidence=a.department_evidence
        )
        return Decision(
            True,
            relevance_why,
            place,
            place_why=place_why,
            categories=categories,
            category_why=category_why,
            severity=grade,
            casualties=casualties,
            departments=departments,
            sentiment=self.analyzer.sentiment.classify(a.content, categories, a.hits["sentiment"]),
        )
