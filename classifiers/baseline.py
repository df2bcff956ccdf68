"""The rules baseline: lexicons and profile data decide everything.

normalise → mask personal data → places → categories → relevance → severity → departments →
sentiment → risk/importance → event id → explanation (analysis.py computes the evidence,
decision.py assembles the ScoredItem). The trained models (model_classifier.py) must beat
this on the test split (`yuqing eval`), and it is what the stage falls back to when no
model can be loaded.
"""

from __future__ import annotations

from classifiers.analysis import Analysis
from classifiers.decision import Decision
from classifiers.rules.severity import severity as read_severity
from classifiers.scoring import ScoringClassifier


class RulesClassifier(ScoringClassifier):
    """The rules baseline; `score()` / `score_many()` come from ScoringClassifier."""

    name = "rules-baseline"

    def decide(self, a: Analysis) -> Decision:
        found, place, verdict = a.found, a.place or self.analyzer.county, a.verdict
        if not verdict.relevant:
            sentiment = self.analyzer.sentiment.classify(a.content, [], a.hits["sentiment"])
            return Decision(False, verdict.reason, self.analyzer.county, sentiment=sentiment)
        grade, casualties = (
            read_severity(a.content) if "emergency" in found.categories else (None, None)
        )
        departments = a.departments
        # "龙门的村民反映…": no town in the gazetteer, one short name read as a place
        town = None if place.level == "town" else self.analyzer.places.short_anchor_town(a.places)
        if town is not None or grade == "especially_major":
            place = town or place
            departments = self.analyzer.router.route(
                a.content, found.categories, place, grade, evidence=a.department_evidence
            )
        town_words = a.places.town_words.get(place.code) or [
            s for s in a.places.short_anchors if place.name.startswith(s)
        ]
        return Decision(
            True,
            verdict.reason,
            place,
            place_why="、".join(town_words[:3]),
            categories=list(found.categories),
            category_why={c: "、".join(found.evidence[c][:3]) for c in found.categories},
            severity=grade,
            casualties=casualties,
            departments=departments,
            sentiment=self.analyzer.sentiment.classify(
                a.content, found.categories, a.hits["sentiment"]
            ),
        )
