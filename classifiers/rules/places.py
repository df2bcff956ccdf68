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
speech say which are names (word_bounds.py).
Neither is a region at the head of a product ("兰州拉面", "哈密瓜": `products` of
data/regions.yaml), nor a county whose stem is a verb (`verb_counties`) when a department
of ours follows ("县市场监管局会同县农业农村局": 会同, jointly with); "湖南会同县" is one.
A town's short name ("龙门") is read as ours only where it is a place (short_towns.py):
`PlaceEvidence.short_towns`, which the relevance veto and the town features read, and
`short_anchors`, a weaker anchor of relevance.
Nor is a region or neighbour named by a street, a way of speaking or a person's origin here
("上海路", "北京东路", "四川口音", "海口话", "重庆人开的店": `named_after` of data/regions.yaml),
though "去上海/路上", "北京/人民医院", "广东人社厅" are still there (jieba's word boundaries).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from classifiers.lexicon import Hit, LexiconMatcher, load_data
from classifiers.rules.short_towns import ShortTownReader
from classifiers.rules.word_bounds import ends_in_name, inside_a_word, place_word_at, word_after
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
# every county has these: "会同县委" is 会同's, unless an organ of ours comes right before
_GENERIC_ORGANS = frozenset(_LOCAL_WORDS) - {"县城", "县里"}
_PROVINCE_CONTEXT = ("海南", "琼")
_FAIRS = ("节", "文化节", "博览会", "展销会")  # "青岛啤酒节": held there
_WEIGHTS = {"town": 2.0, "landmark": 1.5, "village": 1.0}
# "广东人社厅", "北京人大", "上海人民": an organ of the region, not a person from it
_PEOPLE_ORGANS = set("社大民口员防武才行工力事")


@dataclass
class PlaceEvidence:
    strong: list[str] = field(default_factory=list)
    weak: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)  # our names claimed by another region
    neighbours: Counter[str] = field(default_factory=Counter)
    elsewhere: Counter[str] = field(default_factory=Counter)  # other regions of China
    town_scores: Counter[str] = field(default_factory=Counter)  # town code → weight
    town_words: dict[str, list[str]] = field(default_factory=dict)
    # a town's short name ("龙门") → where it is first read as our town, not inside another
    # place's name ("洛阳龙门石窟", "鲤鱼跳龙门")
    short_towns: dict[str, int] = field(default_factory=dict)
    # short names read as ours with a place's context: a weaker anchor of relevance
    short_anchors: list[str] = field(default_factory=list)

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
        # "兰州拉面", "哈密瓜": a region's name at the head of a product's, not a place
        self._products = tuple(map(str, regions.get("products") or ()))
        # "上海路", "四川话", "重庆人开的": a street, speech or origin named after a region
        self._named_after = frozenset(map(str, regions.get("named_after") or ()))
        self._named_heads = frozenset(w[0] for w in self._named_after)  # to skip jieba
        # counties whose stem is a verb ("会同", jointly with), and the words of ours that
        # such a stem may run into ("会同/县农业农村局", "比如/县城")
        self._verb_counties = frozenset(
            map(
                str,
                (
                    *(regions.get("verb_counties") or ()),
                    *(regions.get("verb_counties_derived") or ()),
                ),
            )
        )
        organs = {w for w, ls in labels.items() if "local" in ls and w.startswith("县")}
        self._organs = tuple(sorted(organs - _GENERIC_ORGANS, key=len, reverse=True))
        self._all_organs = tuple(sorted(organs, key=len, reverse=True))
        own_names = tuple(n for n in (*self._own_prefixes, *(t.name for t in profile.towns)) if n)
        # a town's short name of two characters or more ("龙门") → the town's code
        shorts = {t.name.removesuffix("镇").removesuffix("乡"): c for c, t in self.towns.items()}
        self.short_towns = {short: code for short, code in shorts.items() if len(short) >= 2}
        self._short_towns = ShortTownReader(
            self.short_towns,
            own_names,
            self._theirs_before,
        )

    @property
    def matcher(self) -> LexiconMatcher:
        return self._matcher

    def locate(self, text: str, hits: list[Hit] | None = None) -> PlaceEvidence:
        """Place evidence of `text`; `hits` are this locator's matcher hits when precomputed."""
        ev = PlaceEvidence(province_context=any(p in text for p in _PROVINCE_CONTEXT))
        other_start = other_end = -10  # where the last neighbour / other region mention is
        theirs_end = -10  # where the last of its organs named after it ends ("道县县委")
        ours_end = -10  # where the last organ of ours ends ("县委会同县…": the verb 会同)
        other_ends: set[int] = set()  # where neighbour and other region mentions end ("洛阳|龙门")
        parsed = self._parsed
        for hit in self._matcher.find(text) if hits is None else hits:
            labels = hit.labels
            found = parsed.get(labels)
            if found is None:
                found = parsed[labels] = _parse(labels)
            kinds = found[0]
            if "county" in kinds:
                if text[hit.end : hit.end + 1] in _NOT_COUNTY_AFTER and not place_word_at(
                    text, hit.end
                ):
                    ev.foreign.append(hit.word + text[hit.end])
                else:
                    ev.strong.append(hit.word)
                continue
            if "neighbour" in kinds:
                if self._named_at(text, hit.start, hit.end):
                    continue  # "海口话", "琼海路": speech or a street here
                ev.neighbours[found[1]] += 1
                other_start, other_end = hit.start, hit.end
                other_ends.add(hit.end)
                continue
            if "region" in kinds:
                if hit.word in self._short_parents and not self._short_named(text, hit):
                    continue  # "知道县医院", "涉县政务": two words' halves, not 道县 / 涉县
                if self._product_at(text, hit.end):
                    continue  # "兰州拉面", "北京烤鸭店", "哈密瓜": a product, not the place
                if self._named_at(text, hit.start, hit.end):
                    continue  # "上海路", "四川口音", "重庆人开的店": named after it, here
                if hit.start != other_end and (organ := self._organ_after(text, hit, ours_end)):
                    ev.weak.append(organ)  # "会同县农业农村局": 会同 (jointly with) + ours
                    ours_end = hit.start + len(hit.word) - 1 + len(organ)
                    continue
                if inside_a_word(text, hit.start, hit.end):
                    continue  # "复合肥", "长治久安": not 合肥, 长治
                ev.elsewhere[hit.word] += 1
                other_start, other_end = hit.start, hit.end
                other_ends.add(hit.end)
                continue
            if "local" in kinds:
                if hit.start == theirs_end or (
                    hit.start == other_end and text[hit.start - 1] == hit.word[0]
                ):
                    theirs_end = hit.end  # "道县县委县政府": 道县's organs, not ours
                else:
                    ev.weak.append(hit.word)
                    ours_end = hit.end
                continue
            gap = text[other_end : hit.start] if 0 <= hit.start - other_end <= 4 else None
            if gap is not None and _CJK_ONLY.fullmatch(gap):  # "河南新郑龙湖镇": theirs
                ev.foreign.append(text[other_start : hit.end])
                continue
            self._place(text, hit.word, hit.start, found, ev)
        ev.short_towns = self._short_towns.read(text, other_ends, ev)
        return ev

    def _named_at(self, text: str, start: int, end: int) -> bool:
        """Whether the region text[start:end] names a street, a way of speaking or a
        person's origin ("上海/路", "四川话", "湖南人"), by the word after it; "人" not
        before an organ's abbreviation ("广东人社厅", "北京人大")."""
        if text[end : end + 1] not in self._named_heads:
            return False  # the word after starts there: no jieba cut needed
        word = word_after(text, start, end)
        if word[:1] == "人" and "人" in self._named_after:
            return text[end + 1 : end + 2] not in _PEOPLE_ORGANS
        return word in self._named_after

    def _product_at(self, text: str, at: int) -> bool:
        """Whether a product word starts at `at` and is no fair of it ("青岛啤酒节" is held
        in 青岛)."""
        if not text.startswith(self._products, at):
            return False
        size = max(len(p) for p in self._products if text.startswith(p, at))
        return not text.startswith(_FAIRS, at + size)

    def _organ_after(self, text: str, hit: Hit, ours_end: int) -> str | None:
        """Our word when a county whose stem is a verb runs into it ("会同/县农业农村局",
        "比如/县城", "县委会同/县政府"); None when the county is named ("会同县人民政府",
        "会同县委"; "湖南会同县" is never asked)."""
        if hit.word not in self._verb_counties:
            return None
        at = hit.end - 1
        # right after an organ of ours ("县委会同县政府"): the verb, whatever organ follows
        organs = self._all_organs if hit.start == ours_end else self._organs
        return next((o for o in organs if text.startswith(o, at)), None)

    def _short_named(self, text: str, hit: Hit) -> bool:
        """A one-character-stem county is named as a place: its level repeated after it
        ("道县县委", "芒市市区") or its province or city in the text ("湖南…道县")."""
        if text.startswith(hit.word[-1], hit.end):
            return True
        return any(above in text for above in self._short_parents[hit.word])

    def _place(self, text: str, word: str, start: int, found: _Parsed, ev: PlaceEvidence):
        _, _, kind, towns, unique = found
        names = self._town_names
        own_town_before = any(text.endswith(names[c], 0, start) for c in towns)
        if not own_town_before and (theirs := self._region_before(text, start)):
            ev.foreign.append(theirs + word)
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

    def _region_before(self, text: str, start: int) -> str | None:
        """Another region's name ending right before `start` ("新郑市|龙湖镇"), not ours."""
        prefix = _PREFIX.search(text, max(0, start - 10), start)
        if prefix and not self._own_prefix(prefix.group(1)) and ends_in_name(prefix.group(1)):
            return prefix.group(1)
        return None

    def _theirs_before(self, text: str, start: int) -> bool:
        return self._region_before(text, start) is not None

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

    def short_anchor_town(self, ev: PlaceEvidence) -> Jurisdiction | None:
        """The one town whose short name is read with a place's context ("龙门的村民反映",
        "去黄竹赶集"), when the gazetteer found no town; None for none, or for two."""
        if ev.town_scores:
            return None
        codes = {self.short_towns[s] for s in ev.short_anchors if s in self.short_towns}
        return self._town_places[codes.pop()] if len(codes) == 1 else None


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
