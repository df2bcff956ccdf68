"""One item's evidence, computed once and shared by the rules baseline and the models.

normalise → mask personal data (the stored title and text keep typed markup; `content`,
what is scored, is their tag- and entity-free form) → tokenise and look up every lexicon on
the tokens (`TokenLexiconScanner`) → places (gazetteer, other regions) → rule categories → rule
relevance → rule departments. The rules baseline turns this into a ScoredItem directly; the
model classifier uses it both as features and as the rule-based parts it keeps (places,
severity, co-departments, PII). Text is capped before any work (`MAX_RAW_CHARS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from classifiers.lexicon import Hit
from classifiers.minhash import shingle_core
from classifiers.normalize import MAX_TEXT_CHARS, TextNormalizer
from classifiers.pii import MaskCounts, PiiMasker
from classifiers.rules.categories import CategoryClassifier, CategoryResult
from classifiers.rules.departments import DepartmentEvidence, DepartmentRouter
from classifiers.rules.places import PlaceEvidence, PlaceLocator
from classifiers.rules.relevance import RelevanceResult, RelevanceRule
from classifiers.rules.sentiment import SentimentClassifier
from classifiers.textscan import TokenLexiconScanner
from pipeline.models import DepartmentRef, Item, Jurisdiction
from pipeline.profile import JurisdictionProfile

PERSONAL_SOURCES = frozenset(
    {"forum", "blog", "weibo", "wechat", "douyin", "news_comment", "hotline", "other"}
)
MAX_SCAN_CHARS = 5_000  # the rules and models read the head of a long text


@dataclass
class Analysis:
    item: Item
    title: str
    text: str
    author: str | None
    content: str
    masks: MaskCounts
    tokens: list[str] = field(default_factory=list)
    hits: dict[str, list[Hit]] = field(default_factory=dict)
    places: PlaceEvidence = field(default_factory=PlaceEvidence)
    found: CategoryResult = field(default_factory=CategoryResult)
    place: Jurisdiction | None = None
    verdict: RelevanceResult = RelevanceResult(False, "标题和正文为空")
    departments: list[DepartmentRef] = field(default_factory=list)
    department_evidence: DepartmentEvidence | None = None
    short_towns: dict[str, str] = field(default_factory=dict)  # "岭口" → town code
    seat: str | None = None  # the county seat's town code (县城)
    content_title: str | None = None  # the title as it starts `content`, when not `title`

    @property
    def empty(self) -> bool:
        return not self.content.strip()

    @cached_property
    def core(self) -> str:
        """`shingle_core(content)`, found once for the char n-gram features and the event
        index's shingles (each read it from the same text)."""
        return shingle_core(self.content)


class ItemAnalyzer:
    """Builds the rule components once; `analyze()` is the per-item path."""

    def __init__(self, profile: JurisdictionProfile, max_text_chars: int = MAX_TEXT_CHARS):
        self.profile = profile
        self.normalizer = TextNormalizer(max_text=max_text_chars)
        self.masker = PiiMasker()
        self.places = PlaceLocator(profile)
        self.categories = CategoryClassifier()
        self.relevance = RelevanceRule(profile)
        self.sentiment = SentimentClassifier()
        self.router = DepartmentRouter(profile)
        self.short_towns = self.places.short_towns  # "岭口" → town code
        # the county seat: the town with the lowest division code (…100 by convention)
        self.seat = min((t.code for t in profile.towns), default=None)
        public, commercial = self.relevance.matchers
        self.scanner = TokenLexiconScanner(
            profile,
            {
                "places": self.places.matcher,
                "categories": self.categories.matcher,
                "departments": self.router.matcher,
                "public": public,
                "commercial": commercial,
                "sentiment": self.sentiment.matcher,
            },
        )

    @property
    def county(self) -> Jurisdiction:
        return self.places.county

    def _fields(self, item: Item) -> tuple[str, str, str | None, str, MaskCounts, str | None]:
        """(title, text, author, content, masks, content title): normalised and masked; the
        stored title and text keep markup, `content` is their plain form (normalize.py).
        Should the plain form show personal data the marked-up one hides ("138<b>…"), the
        plain form is stored: masking comes before keeping what was typed."""
        masks = MaskCounts()
        title = self.masker.mask(self.normalizer.title(item.title), masks)
        text = self.masker.mask(self.normalizer.text(item.text), masks)
        author = self.masker.mask_author(
            self.normalizer.author(item.author), item.source_type in PERSONAL_SOURCES
        )
        content_title = None
        n = self.normalizer
        if n.has_markup(item.title, n.max_title) or n.has_markup(item.text, n.max_text):
            plain = MaskCounts()
            plain_title = self.masker.mask(n.title(item.title, plain=True), plain)
            plain_text = self.masker.mask(n.text(item.text, plain=True), plain)
            if plain.total > masks.total:
                title, text, masks = plain_title, plain_text, plain
            elif plain_title != title:
                content_title = plain_title
            title_, text_ = plain_title, plain_text
        else:
            title_, text_ = title, text
        content = f"{title_}\n{text_}" if title_ else text_
        return title, text, author, content, masks, content_title

    def prepare(self, item: Item) -> Analysis:
        """Normalised and masked fields; no scoring yet."""
        return self._empty(item, *self._fields(item))

    def _empty(
        self,
        item: Item,
        title: str,
        text: str,
        author: str | None,
        content: str,
        masks: MaskCounts,
        content_title: str | None = None,
    ) -> Analysis:
        return Analysis(
            item,
            title,
            text,
            author,
            content,
            masks,
            place=self.county,
            short_towns=self.short_towns,
            seat=self.seat,
            content_title=content_title,
        )

    def analyze(self, item: Item) -> Analysis:
        """Every field computed first, then one Analysis built with all of them (no default
        evidence objects made only to be replaced)."""
        title, text, author, content, masks, content_title = self._fields(item)
        if not content.strip():
            return self._empty(item, title, text, author, content, masks, content_title)
        head = content[:MAX_SCAN_CHARS]
        tokens, hits = self.scanner.scan(head)
        places = self.places.locate(head, hits["places"])
        found = self.categories.classify(head, hits["categories"])
        place = self.places.jurisdiction(places)
        evidence = self.router.evidence(head, hits["departments"])
        departments = self.router.route(head, found.categories, place, None, evidence=evidence)
        named = sum(1 for d in departments if d.why.startswith(("文中点名", "职责关键词")))
        verdict = self.relevance.judge(
            item, head, places, found.categories, named, (hits["public"], hits["commercial"])
        )
        return Analysis(
            item,
            title,
            text,
            author,
            content,
            masks,
            tokens,
            hits,
            places,
            found,
            place,
            verdict,
            departments,
            evidence,
            self.short_towns,
            self.seat,
            content_title,
        )
