"""Several jurisdictions in one deployment (a city and its counties; contracts.md `profile`).

Each item is analysed under every monitored profile, placed in ONE of them, and scored there
by that profile's own classifier, so each item id gives one ScoredItem:
- a source may pin its profile (`profile:` in the source entry → `Item.extra["profile"]`);
- else the profile where the rules find it relevant, with the most specific place (a town
  beats the county), then the stronger place evidence, then a local source, then config order;
- an event naming places of two monitored counties at the same level goes, under seed 000
  ("对涉及多个县(市、区)的政务舆情，市级业务主管部门是舆情回应的第一责任主体"), to the
  `superior` profile when one is configured: its department with the matching duty leads
  (a vertically managed department's own superior line first); without a superior it stays
  with the first of those counties, and the lead's `why` names the others as co-operating.
The chosen profile's classifier reuses the analysis made for the choice (`KeptAnalyzer`).
Each profile clusters events in its own state namespaces (`ProfileState`; the default profile
keeps the plain ones, so a deployment that adds a county keeps its event ids): the same
words about two counties' towns are two events, and two cases.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from classifiers.analysis import Analysis, ItemAnalyzer
from classifiers.normalize import MAX_TEXT_CHARS
from classifiers.profile_state import ProfileState
from classifiers.rules.departments import DepartmentRouter
from classifiers.scoring import ScoringClassifier, paused_gc
from pipeline.models import DepartmentRef, Item, Jurisdiction, ScoredItem
from pipeline.profile import Department, JurisdictionProfile

log = logging.getLogger("yuqing.classify")

PIN_KEY = "profile"  # Item.extra key a source's `profile:` pin is carried in
__all__ = ["KeptAnalyzer", "MultiProfileClassifier", "Placement", "ProfileState"]
CROSS_WHY = "跨县事件由上级部门牵头（种子000）"
_LEVELS = ("province", "city", "county")


class KeptAnalyzer(ItemAnalyzer):
    """An ItemAnalyzer that hands back the analyses kept for it (made while choosing the
    profile) instead of analysing the same item twice."""

    def __init__(self, profile: JurisdictionProfile, max_text_chars: int = MAX_TEXT_CHARS):
        super().__init__(profile, max_text_chars)
        self._kept: dict[int, Analysis] = {}

    def keep(self, analyses: Sequence[Analysis]) -> None:
        self._kept.update((id(a.item), a) for a in analyses)

    def forget(self) -> None:
        self._kept.clear()

    def analyze(self, item: Item) -> Analysis:
        kept = self._kept.pop(id(item), None)
        return kept if kept is not None and kept.item is item else super().analyze(item)


@dataclass(frozen=True)
class Placement:
    """Where one item belongs: the profile that scores it and the other counties it spans."""

    profile: str
    others: tuple[str, ...] = ()
    places: tuple[tuple[str, str], ...] = ()  # (profile, place name) of every county involved


def _rank(a: Analysis, local: bool) -> tuple[bool, bool, float, bool]:
    town = a.place is not None and a.place.level == "town"
    strength = len(a.places.strong) + 0.5 * len(a.places.weak)
    return (a.verdict.relevant, town, strength, local)


class MultiProfileClassifier:
    """Scores items for several profiles; one ScoredItem per item (see the module doc)."""

    name = "multi-profile"

    def __init__(
        self,
        classifiers: Sequence[ScoringClassifier],
        superior: JurisdictionProfile | None = None,
    ):
        if not classifiers:
            raise ValueError("MultiProfileClassifier needs at least one profile's classifier")
        self.classifiers = {c.profile.name: c for c in classifiers}
        self.order = list(self.classifiers)
        self.superior = superior
        self.superior_router = DepartmentRouter(superior) if superior is not None else None
        self._warned: set[str] = set()

    @property
    def profile(self) -> JurisdictionProfile:
        """The default (first) profile."""
        return self.classifiers[self.order[0]].profile

    def score(self, item: Item) -> ScoredItem:
        return self.score_many([item])[0]

    def score_many(self, items: Sequence[Item]) -> list[ScoredItem]:
        with paused_gc():
            placements = self.place_many(items)
        groups: dict[str, list[int]] = {}
        for i, p in enumerate(placements):
            groups.setdefault(p.profile, []).append(i)
        out: list[ScoredItem | None] = [None] * len(items)
        try:
            for name, rows in groups.items():
                scored = self.classifiers[name].score_many([items[i] for i in rows])
                for i, s in zip(rows, scored, strict=True):
                    out[i] = self.cross_county(s, placements[i]) if placements[i].others else s
        finally:
            for clf in self.classifiers.values():
                if isinstance(clf.analyzer, KeptAnalyzer):
                    clf.analyzer.forget()
        return out  # type: ignore[return-value]

    def pinned(self, item: Item) -> str | None:
        pin = item.extra.get(PIN_KEY) if item.extra else None
        if not pin:
            return None
        if pin in self.classifiers:
            return str(pin)
        if pin not in self._warned:
            self._warned.add(str(pin))
            log.warning("classify: source pins unknown profile %r: placing by content", pin)
        return None

    def place_many(self, items: Sequence[Item]) -> list[Placement]:
        """Each item's profile; the chosen profile's analyses are kept for its classifier."""
        pins = [self.pinned(item) for item in items]
        free = [i for i, pin in enumerate(pins) if pin is None]
        analyses = {
            name: [clf.analyzer.analyze(items[i]) for i in free]
            for name, clf in self.classifiers.items()
        }
        placements = [Placement(pin) if pin else Placement(self.order[0]) for pin in pins]
        for row, i in enumerate(free):
            placements[i] = self._place(items[i], {n: analyses[n][row] for n in self.order})
        for name, clf in self.classifiers.items():
            if isinstance(clf.analyzer, KeptAnalyzer):
                clf.analyzer.keep(
                    [analyses[name][r] for r, i in enumerate(free) if placements[i].profile == name]
                )
        return placements

    def _place(self, item: Item, by_profile: dict[str, Analysis]) -> Placement:
        ranks = {
            n: _rank(a, self.classifiers[n].analyzer.relevance.is_local_source(item))
            for n, a in by_profile.items()
        }
        best = max(self.order, key=lambda n: (ranks[n], -self.order.index(n)))
        # counties that find it relevant and name their own places at the best one's level
        peers = [
            n
            for n in self.order
            if ranks[n][0] and by_profile[n].places.strong and ranks[n][1] == ranks[best][1]
        ]
        if not ranks[best][0] or len(peers) < 2:
            return Placement(best)
        chosen = best if self.superior is not None else peers[0]
        places = tuple((n, _place_name(by_profile[n])) for n in peers)
        return Placement(chosen, tuple(n for n in peers if n != chosen), places)

    def cross_county(self, s: ScoredItem, placement: Placement) -> ScoredItem:
        """The scored item of an event spanning counties: to the superior, or kept by the
        first county with the others named as co-operating (seed 000)."""
        if not s.relevant:
            return s
        where = "、".join(
            f"{self.classifiers[n].profile.jurisdiction}（{place}）"
            for n, place in placement.places
        )
        lead = s.departments[0] if s.departments else None
        if self.superior is None or self.superior_router is None:
            return self._kept_by_first(s, placement, lead, where)
        county = self.classifiers[s.profile].profile
        county_dept = _department(county, lead.code) if lead else None
        target, how = self._superior_department(county_dept, f"{s.title}\n{s.text}")
        why = f"{CROSS_WHY}：涉及{where}；{how}；各县按属地管理原则回应"
        place = Jurisdiction(
            name=self.superior.jurisdiction,
            code=self.superior.code,
            level=self.superior.level if self.superior.level in _LEVELS else "city",
        )
        departments = self.superior_router.route(
            f"{s.title}\n{s.text}", list(s.categories), place, s.severity, lead=(target, why)
        )
        explanation = _replace_lead(s.explanation, departments, f"跨县：{where} → {place.name}")
        return s.model_copy(
            update={
                "profile": self.superior.name,
                "jurisdiction": place,
                "departments": departments,
                "explanation": explanation,
            }
        )

    def _kept_by_first(
        self, s: ScoredItem, placement: Placement, lead: DepartmentRef | None, where: str
    ) -> ScoredItem:
        helpers = []
        for name in placement.others:
            other = self.classifiers[name].profile
            dept = _department(other, lead.code) if lead else None
            unit = dept.name.removeprefix("县") if dept else "相关部门"
            helpers.append(f"{other.jurisdiction}{unit}")
        note = f"跨县事件（种子000）：涉及{where}；{'、'.join(helpers)}按属地管理协同回应"
        departments = list(s.departments)
        if departments:
            first = departments[0]
            departments[0] = first.model_copy(update={"why": f"{first.why}；{note}"})
        explanation = _replace_lead(s.explanation, departments, None if departments else note)
        return s.model_copy(update={"departments": departments, "explanation": explanation})

    def _superior_department(self, county: Department | None, text: str) -> tuple[str, str]:
        """(code, why) of the superior's department matching the county's lead department."""
        sup = self.superior
        assert sup is not None and self.superior_router is not None
        if county is not None:
            if county.vertical and county.superior:
                line = _department(sup, county.superior)
                if line is not None:
                    return line.code, f"垂直管理：{county.name}的上级{line.name}牵头"
            same = _department(sup, county.code)
            if same is not None:
                return same.code, f"职责对应：{county.name} → {same.name}"
            shared = {d.code: _overlap(county, d) for d in sup.departments}
            code = max(shared, key=lambda c: shared[c], default=None)
            if code is not None and shared[code] > 0:
                return code, f"职责对应：{county.name} → {sup.department(code).name}"
        ranked = self.superior_router.evidence(text).ranked
        if ranked:
            return ranked[0], f"职责关键词：{sup.department(ranked[0]).name}"
        office = sup.department(sup.government_office)
        return office.code, f"未识别主管部门：{office.name}组织协调"


def _department(profile: JurisdictionProfile, code_or_name: str) -> Department | None:
    try:
        return profile.department(code_or_name)
    except KeyError:
        return None


def _overlap(a: Department, b: Department) -> int:
    return len(set(a.duties) & set(b.duties)) + len(set(a.keywords) & set(b.keywords))


def _place_name(a: Analysis) -> str:
    if a.place is not None and a.place.level == "town":
        return a.place.name
    return "、".join(dict.fromkeys(a.places.strong)) or (a.place.name if a.place else "")


def _replace_lead(
    explanation: str, departments: list[DepartmentRef], note: str | None = None
) -> str:
    """The explanation line with its 牵头 part for the new lead (and `note`), before the
    event part that ends it."""
    drop = ("牵头：", "地点：") if note and note.startswith("跨县：") else ("牵头：",)
    parts = [p for p in explanation.split(" | ") if not p.startswith(drop)]
    added = [note] if note else []
    if departments:
        added.append(f"牵头：{departments[0].name}（{departments[0].why}）")
    at = max(len(parts) - 1, 0)
    return " | ".join([*parts[:at], *added, *parts[at:]])
