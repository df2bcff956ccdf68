"""The rules baseline: one Item in, one fully filled ScoredItem out.

normalise → mask personal data → places → categories → relevance → severity → departments →
sentiment → risk/importance → event id → explanation. Everything is built once in
`RulesClassifier.__init__`; `score()` is the per-item path. Trained models come later and
must beat this on classifiers/data/baseline_sample.jsonl (tests/classifiers/test_baseline_sample.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from classifiers.events import DEFAULT_WINDOW_DAYS, EventIndex, new_event_id
from classifiers.normalize import MAX_TEXT_CHARS, TextNormalizer
from classifiers.pii import MaskCounts, PiiMasker
from classifiers.rules.categories import CategoryClassifier
from classifiers.rules.departments import DepartmentRouter
from classifiers.rules.places import PlaceLocator
from classifiers.rules.relevance import RelevanceRule
from classifiers.rules.risk import RiskScorer
from classifiers.rules.sentiment import SentimentClassifier
from classifiers.rules.severity import severity as read_severity
from pipeline.models import Item, ScoredItem
from pipeline.profile import JurisdictionProfile
from pipeline.storage.base import StateStore

_PERSONAL_SOURCES = {
    "forum",
    "blog",
    "weibo",
    "wechat",
    "douyin",
    "news_comment",
    "hotline",
    "other",
}
_SENTIMENT_ZH = {"negative": "负面", "neutral": "中性", "positive": "正面"}
_SEVERITY_ZH = {
    "especially_major": "特别重大",
    "major": "重大",
    "larger": "较大",
    "general": "一般",
}


class RulesClassifier:
    """Scores items for one jurisdiction profile; the event index is optional (tests, bench)."""

    name = "rules-baseline"

    def __init__(
        self,
        profile: JurisdictionProfile,
        state: StateStore | None = None,
        event_window_days: float = DEFAULT_WINDOW_DAYS,
        max_text_chars: int = MAX_TEXT_CHARS,
    ):
        self.profile = profile
        self.normalizer = TextNormalizer(max_text=max_text_chars)
        self.masker = PiiMasker()
        self.places = PlaceLocator(profile)
        self.categories = CategoryClassifier()
        self.relevance = RelevanceRule(profile)
        self.sentiment = SentimentClassifier()
        self.router = DepartmentRouter(profile)
        self.risk = RiskScorer()
        self.events = EventIndex(state, event_window_days) if state is not None else None

    def score_many(self, items: Sequence[Item]) -> list[ScoredItem]:
        return [self.score(item) for item in items]

    def score(self, item: Item) -> ScoredItem:
        counts = MaskCounts()
        title = self.masker.mask(self.normalizer.title(item.title), counts)
        text = self.masker.mask(self.normalizer.text(item.text), counts)
        author = self.masker.mask_author(
            self.normalizer.author(item.author), item.source_type in _PERSONAL_SOURCES
        )
        content = f"{title}\n{text}" if title else text
        base = item.model_dump(include=set(Item.model_fields))
        base.update(title=title, text=text, author=author)
        if not content.strip():
            return ScoredItem.model_validate(
                {
                    **base,
                    "profile": self.profile.name,
                    "relevant": False,
                    "risk": 0,
                    "jurisdiction": self.places.county.model_dump(),
                    "event_id": self._event(item, content, False)[0],
                    "explanation": "不相关：标题和正文为空",
                }
            )

        places = self.places.locate(content)
        found = self.categories.classify(content)
        place = self.places.jurisdiction(places)
        grade, casualties = (
            read_severity(content) if "emergency" in found.categories else (None, None)
        )
        departments = self.router.route(content, found.categories, place, grade)
        named = sum(1 for d in departments if d.why.startswith(("文中点名", "职责关键词")))
        verdict = self.relevance.judge(item, content, places, found.categories, named)
        categories = found.categories if verdict.relevant else []
        if not verdict.relevant:
            grade, departments, place = None, [], self.places.county
        sentiment = self.sentiment.classify(content, categories)
        assessment = self.risk.assess(item, verdict.relevant, categories, sentiment, grade)
        event_id, how = self._event(item, content, verdict.relevant)

        parts = [("相关：" if verdict.relevant else "不相关：") + verdict.reason]
        if verdict.relevant:
            if place.level == "town":
                parts.append(
                    f"地点：{place.name}（{'、'.join(places.town_words[place.code][:3])}）"
                )
            for code in categories:
                parts.append(f"{code}（{'、'.join(found.evidence[code][:3])}）")
            if grade and casualties is not None:
                parts.append(
                    f"{_SEVERITY_ZH[grade]}（死亡{casualties.deaths}、受伤{casualties.injuries}）"
                )
        parts.append(f"{_SENTIMENT_ZH[sentiment]}；风险{assessment.risk}")
        if assessment.importance == "important":
            parts.append("重要：" + "、".join(assessment.reasons))
        if departments:
            parts.append(f"牵头：{departments[0].name}（{departments[0].why}）")
        if counts.total:
            parts.append(f"已脱敏{counts.total}处")
        parts.append(f"事件：{how}")

        return ScoredItem.model_validate(
            {
                **base,
                "profile": self.profile.name,
                "relevant": verdict.relevant,
                "categories": categories,
                "sentiment": sentiment,
                "risk": assessment.risk,
                "importance": assessment.importance,
                "severity": grade,
                "jurisdiction": place.model_dump(),
                "departments": [d.model_dump() for d in departments],
                "event_id": event_id,
                "explanation": " | ".join(parts),
            }
        )

    def _event(self, item: Item, content: str, relevant: bool) -> tuple[str, str]:
        if self.events is None:
            return new_event_id(item.parent_id or item.id), "未建索引"
        return self.events.assign(item, content, index_content=relevant)
