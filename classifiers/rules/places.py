"""Where an item is: anchors of the jurisdiction, its towns, and the neighbours it is not.

Strong anchors: the county's names (not "定安路"/"定安村" elsewhere), town names, landmarks.
Weak anchors (every county has a 县水务局 and a 石门村): villages, department names, "我县";
they count when the source is local or 海南 is named. A town or village right after another
region's name ("新郑市龙湖镇") is that region's, not ours. Two-character village names
("莫村") count only right after their town's name.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from classifiers.lexicon import Hit, LexiconMatcher, load_data
from pipeline.models import Jurisdiction
from pipeline.profile import JurisdictionProfile

_NOT_COUNTY_AFTER = set("路村里桥街营镇门乡巷")
_PREFIX = re.compile(r"([\u4e00-\u9fa5]{2,8}?(?:省|市|县|区|州|旗|镇|乡))$")
_COMMON_AREAS = (
    "城区",
    "市区",
    "县区",
    "郊区",
    "景区",
    "社区",
    "小区",
    "园区",
    "辖区",
    "山区",
    "片区",
    "灾区",
    "城乡",
    "下乡",
    "老区",
    "新区",
    "校区",
    "开发区",
)
_CJK_ONLY = re.compile(r"[\u4e00-\u9fa5]*")
_LOCAL_WORDS = ("我县", "本县", "全县", "县城", "县里", "县委", "县政府")
_PROVINCE_CONTEXT = ("海南", "琼")
_WEIGHTS = {"town": 2.0, "landmark": 1.5, "village": 1.0}


@dataclass
class PlaceEvidence:
    strong: list[str] = field(default_factory=list)
    weak: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)  # our names claimed by another region
    neighbours: Counter[str] = field(default_factory=Counter)
    elsewhere: Counter[str] = field(default_factory=Counter)  # other regions of China
    town_scores: Counter[str] = field(default_factory=Counter)  # town code → weight
    town_words: dict[str, list[str]] = field(default_factory=dict)

    def outside(self) -> Counter[str]:
        """Mentions of places that are not ours: neighbours and other regions."""
        return self.neighbours + self.elsewhere

    province_context: bool = False


class PlaceLocator:
    def __init__(self, profile: JurisdictionProfile):
        self.profile = profile
        self.county = Jurisdiction(
            name=profile.jurisdiction,
            code=profile.code,
            level=profile.level if profile.level in ("province", "city", "county") else "county",
        )
        self.towns = {t.code: t for t in profile.towns}
        self._own_prefixes = {profile.jurisdiction, profile.province, *profile.aliases}
        labels: dict[str, list[str]] = {}
        for name in {profile.jurisdiction, *profile.aliases}:
            labels.setdefault(name, []).append("county")
        for town in profile.towns:
            for name in (town.name, *town.aliases):
                labels.setdefault(name, []).append(f"town:{town.code}")
            for v in town.villages:
                kind = "landmark" if v.kind == "landmark" else "village"
                labels.setdefault(v.name, []).append(f"{kind}:{town.code}")
        for name in profile.neighbours:
            for form in {name, _short_region(name)}:
                labels.setdefault(form, []).append(f"neighbour:{name}")
        for name in load_data("regions.yaml").get("regions") or []:
            if name not in labels:  # our own names and neighbours take precedence
                labels[str(name)] = ["region"]
        for word in _LOCAL_WORDS:
            labels.setdefault(word, []).append("local")
        for dept in profile.departments:
            for name in (dept.name, *dept.aliases):
                if name.startswith("县"):
                    labels.setdefault(name, []).append("local")
        self._matcher = LexiconMatcher(labels)
        self._town_names = {code: t.name for code, t in self.towns.items()}
        # one Jurisdiction per town, built (and validated) once, shared as `county` is
        self._town_places = {
            code: Jurisdiction(name=t.name, code=t.code, level="town")
            for code, t in self.towns.items()
        }
        self._parsed: dict[tuple[str, ...], _Parsed] = {}  # a hit's labels, split once

    @property
    def matcher(self) -> LexiconMatcher:
        return self._matcher

    def locate(self, text: str, hits: list[Hit] | None = None) -> PlaceEvidence:
        """Place evidence of `text`; `hits` are this locator's matcher hits when precomputed."""
        ev = PlaceEvidence(province_context=any(p in text for p in _PROVINCE_CONTEXT))
        other_start = other_end = -10  # where the last neighbour / other region mention is
        parsed = self._parsed
        for hit in self._matcher.find(text) if hits is None else hits:
            labels = hit.labels
            found = parsed.get(labels)
            if found is None:
                found = parsed[labels] = _parse(labels)
            kinds = found[0]
            if "county" in kinds:
                if text[hit.end : hit.end + 1] in _NOT_COUNTY_AFTER:
                    ev.foreign.append(hit.word + text[hit.end])
                else:
                    ev.strong.append(hit.word)
                continue
            if "neighbour" in kinds:
                ev.neighbours[found[1]] += 1
                other_start, other_end = hit.start, hit.end
                continue
            if "region" in kinds:
                ev.elsewhere[hit.word] += 1
                other_start, other_end = hit.start, hit.end
                continue
            if "local" in kinds:
                ev.weak.append(hit.word)
                continue
            gap = text[other_end : hit.start] if 0 <= hit.start - other_end <= 4 else None
            if gap is not None and _CJK_ONLY.fullmatch(gap):  # "河南新郑龙湖镇": theirs
                ev.foreign.append(text[other_start : hit.end])
                continue
            self._place(text, hit.word, hit.start, found, ev)
        return ev

    def _place(self, text: str, word: str, start: int, found: _Parsed, ev: PlaceEvidence):
        _, _, kind, towns, unique = found
        prefix = _PREFIX.search(text, max(0, start - 10), start)
        names = self._town_names
        own_town_before = any(text.endswith(names[c], 0, start) for c in towns)
        if prefix and not own_town_before and not self._own_prefix(prefix.group(1)):
            ev.foreign.append(prefix.group(1) + word)
            return
        if kind == "village" and len(word) <= 2 and not own_town_before:
            return
        weight = _WEIGHTS[kind] / len(unique)
        for code in unique:
            ev.town_scores[code] += weight
            words = ev.town_words.setdefault(code, [])
            if word not in words:
                words.append(word)
        (ev.weak if kind == "village" else ev.strong).append(word)

    def _own_prefix(self, name: str) -> bool:
        if name.endswith(_COMMON_AREAS):
            return True
        return any(name.endswith(own) for own in self._own_prefixes if own) or any(
            name.endswith(t.name) for t in self.profile.towns
        )

    def jurisdiction(self, ev: PlaceEvidence) -> Jurisdiction:
        """The most specific place: the best-supported town, else the county."""
        if not ev.town_scores:
            return self.county
        ranked = ev.town_scores.most_common(2)
        if len(ranked) == 2 and ranked[0][1] == ranked[1][1]:
            return self.county  # e.g. 大坡村 alone: a village of two towns
        return self._town_places[ranked[0][0]]


# (kinds, first label's value, first label's kind, every label's value, those values
# without repeats): what `locate` and `_place` read of a hit's labels ("town:…", "region")
_Parsed = tuple[frozenset[str], str, str, tuple[str, ...], tuple[str, ...]]


def _parse(labels: tuple[str, ...]) -> _Parsed:
    split = [label.split(":", 1) for label in labels]
    kinds = frozenset(parts[0] for parts in split)
    values = tuple(parts[1] if len(parts) > 1 else "" for parts in split)
    first = split[0] if split else [""]
    value = first[1] if len(first) > 1 else ""
    return kinds, value, first[0], values, tuple(dict.fromkeys(values))


def _short_region(name: str) -> str:
    for suffix in ("黎族苗族自治县", "黎族自治县", "自治县", "市", "县", "区"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name
