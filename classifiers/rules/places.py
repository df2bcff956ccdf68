"""Where an item is: anchors of the jurisdiction, its towns, and the neighbours it is not.

Strong anchors: the county's names (not "定安路"/"定安村" elsewhere, but "定安街上"/"定安乡下"
are in 定安), town names, landmarks.
Weak anchors (every county has a 县水务局 and a 石门村): villages, department names, "我县";
they count when the source is local or 海南 is named. A town or village right after another
region's name ("新郑市龙湖镇") is that region's, not ours. Two-character village names
("莫村") count only right after their town's name. A one-character-stem county ("道县",
"和县") is another region only beside its province or city or its own organs ("道县县委"):
jieba keeps it whole inside ordinary phrases ("谁知/道县/医院", "监测/涉县/政务"); and "县委"
right after "道县" is 道县's, not a word of ours. Words before a town of ours that only look
like a region ("我县", "我们县", "超市") are not one, nor is a region's name inside a longer
common word ("复合肥", "长治久安"): jieba's word boundaries and its dictionary's parts of
speech say which are names.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

import rjieba

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
        regions = load_data("regions.yaml")
        for name in regions.get("regions") or []:
            if name not in labels:  # our own names and neighbours take precedence
                labels[str(name)] = ["region"]
        # "道县" → its province's and city's names (the context that makes it a place)
        self._short_parents = {
            str(name): tuple(map(str, above))
            for name, above in (regions.get("short_parents") or {}).items()
            if labels.get(str(name)) == ["region"]
        }
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
        theirs_end = -10  # where the last of its organs named after it ends ("道县县委")
        parsed = self._parsed
        for hit in self._matcher.find(text) if hits is None else hits:
            labels = hit.labels
            found = parsed.get(labels)
            if found is None:
                found = parsed[labels] = _parse(labels)
            kinds = found[0]
            if "county" in kinds:
                if text[hit.end : hit.end + 1] in _NOT_COUNTY_AFTER and not _place_word_at(
                    text, hit.end
                ):
                    ev.foreign.append(hit.word + text[hit.end])
                else:
                    ev.strong.append(hit.word)
                continue
            if "neighbour" in kinds:
                ev.neighbours[found[1]] += 1
                other_start, other_end = hit.start, hit.end
                continue
            if "region" in kinds:
                if hit.word in self._short_parents and not self._short_named(text, hit):
                    continue  # "知道县医院", "涉县政务": two words' halves, not 道县 / 涉县
                if _inside_a_word(text, hit.start, hit.end):
                    continue  # "复合肥", "长治久安": not 合肥, 长治
                ev.elsewhere[hit.word] += 1
                other_start, other_end = hit.start, hit.end
                continue
            if "local" in kinds:
                if hit.start == theirs_end or (
                    hit.start == other_end and text[hit.start - 1] == hit.word[0]
                ):
                    theirs_end = hit.end  # "道县县委县政府": 道县's organs, not ours
                else:
                    ev.weak.append(hit.word)
                continue
            gap = text[other_end : hit.start] if 0 <= hit.start - other_end <= 4 else None
            if gap is not None and _CJK_ONLY.fullmatch(gap):  # "河南新郑龙湖镇": theirs
                ev.foreign.append(text[other_start : hit.end])
                continue
            self._place(text, hit.word, hit.start, found, ev)
        return ev

    def _short_named(self, text: str, hit: Hit) -> bool:
        """A one-character-stem county is named as a place: its level repeated after it
        ("道县县委", "芒市市区") or its province or city in the text ("湖南…道县")."""
        if text.startswith(hit.word[-1], hit.end):
            return True
        return any(above in text for above in self._short_parents[hit.word])

    def _place(self, text: str, word: str, start: int, found: _Parsed, ev: PlaceEvidence):
        _, _, kind, towns, unique = found
        prefix = _PREFIX.search(text, max(0, start - 10), start)
        names = self._town_names
        own_town_before = any(text.endswith(names[c], 0, start) for c in towns)
        if (
            prefix
            and not own_town_before
            and not self._own_prefix(prefix.group(1))
            and _ends_in_name(prefix.group(1))
        ):
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
        if name.endswith(_COMMON_AREAS) or name.endswith(_LOCAL_WORDS):  # "报道我县定城镇"
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


@cache
def _base_segmenter() -> rjieba.Jieba:
    """jieba with its own dictionary only: what an ordinary reader's word boundaries are."""
    return rjieba.Jieba()


def _ends_in_name(prefix: str) -> bool:
    """Whether "…县"/"…镇" before a town of ours ends in a place name, by jieba's word
    boundaries and its dictionary: not a lone level character ("我们/县", "这个/县") nor a
    common word of the dictionary ("超市", "家乡", "乡镇"); unknown names ("茅畲乡") are."""
    jieba = _base_segmenter()
    last = jieba.cut(prefix)[-1]
    if len(last) < 2:
        return False
    return not (jieba.has_word(last) and _common(jieba.tag(last)[0][1]))


def _inside_a_word(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is part of a longer common word of jieba's dictionary
    ("复合肥", "长治久安"), not a name of its own or the head of a longer name ("三亚湾")."""
    jieba = _base_segmenter()
    left = max(0, start - 4)
    at = left
    for token in jieba.cut(text[left : end + 4]):
        if at <= start < at + len(token):
            if at == start and len(token) <= end - start:
                return False  # a word of its own
            return jieba.has_word(token) and _common(jieba.tag(token)[0][1])
        at += len(token)
    return False


def _common(tag: str) -> bool:
    """A part-of-speech tag of jieba's dictionary that is no proper name (ns, nr, nt, nz)."""
    return tag == "n" or not tag.startswith("n")


def _place_word_at(text: str, start: int) -> bool:
    """Whether a place or direction word of jieba's dictionary starts at `start` ("街上",
    "乡下", "门口"): "定安街上" is on 定安's streets, not at another region's 定安街."""
    jieba = _base_segmenter()
    first = jieba.cut(text[start : start + 4])[0]
    return len(first) >= 2 and jieba.tag(first)[0][1] in ("s", "f")


def _short_region(name: str) -> str:
    for suffix in ("黎族苗族自治县", "黎族自治县", "自治县", "市", "县", "区"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name
