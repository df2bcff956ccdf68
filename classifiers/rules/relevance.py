"""Relevance: the item concerns public affairs of the monitored jurisdiction.

Needs a place anchor (see places.py: a strong one; a town's short name read as a place in
a place's context, "龙门的村民", unless our names are claimed by another region; weak ones
from a local source or beside 海南) and public-affairs content (a category, a department,
or the public-affairs lexicon of data/relevance.yaml). An advertisement or entertainment
piece that only mentions 定安 is not relevant; neither is an event that mainly happens in a
neighbouring county, or anywhere else.
`out_of_area` is the jurisdiction check the model's relevance must also pass (issue #6: "a
flood in 广州 or a chemical blast in 江苏 is not 定安县's"): a text that names other regions'
places and no place of ours at all is about somewhere else, whatever its duty words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from classifiers.lexicon import Hit, LexiconMatcher, load_data
from classifiers.rules.places import PlaceEvidence
from pipeline.models import Item
from pipeline.profile import JurisdictionProfile

_PUBLIC_SOURCES = ("gov_site", "hotline")
# the model's relevance vetoed by `out_of_area` (grouped CV and the test split: see
# tests/classifiers/test_test_split.py); False leaves the model's relevance as it is
OUT_OF_AREA_VETO = True


def out_of_area(places: PlaceEvidence, text: str, short_towns: Iterable[str]) -> str | None:
    """The other region a text is about when it names only other regions' places: no anchor
    of ours (county name or alias, town — also without 镇 —, village, landmark, 县 department
    or 我县), not even the province above us (a 海南 policy may be ours). Neighbours alone do
    not count ("去海口住院" is said by our people); None when the text may be ours. `text`
    is kept for callers; the short town names are read in `places.short_towns`."""
    if places.strong or places.weak or places.province_context:
        return None
    # a one-character county ("道县") is here only when named as a place (places.py)
    elsewhere = [w for w, _ in places.elsewhere.most_common()]
    if not (places.foreign or elsewhere):
        return None
    # a town's short name read as ours ("在龙门"), not inside another place's ("新郑市龙湖镇",
    # "洛阳龙门石窟"): places.py decides where it is a place reading
    if any(short in places.short_towns for short in short_towns):
        return None
    return places.foreign[0] if places.foreign else elsewhere[0]


@dataclass(frozen=True)
class RelevanceResult:
    relevant: bool
    reason: str


class RelevanceRule:
    def __init__(self, profile: JurisdictionProfile, data: dict[str, Any] | None = None):
        data = data if data is not None else load_data("relevance.yaml")
        self._public = LexiconMatcher(data.get("public_affairs") or [])
        self._commercial = LexiconMatcher(
            [*(data.get("advertising") or []), *(data.get("entertainment") or [])]
        )
        self._local_names = tuple({profile.jurisdiction, *profile.aliases})

    def is_local_source(self, item: Item) -> bool:
        return any(name in item.source_name for name in self._local_names)

    @property
    def matchers(self) -> tuple[LexiconMatcher, LexiconMatcher]:
        """The public-affairs and the commercial lexicon."""
        return self._public, self._commercial

    def judge(
        self,
        item: Item,
        text: str,
        places: PlaceEvidence,
        categories: list[str],
        depts: int,
        hits: tuple[list[Hit], list[Hit]] | None = None,
    ) -> RelevanceResult:
        local = self.is_local_source(item)
        outside = places.outside()
        if places.strong:
            anchor = "、".join(dict.fromkeys(places.strong))
        elif places.short_anchors and not places.foreign:
            anchor = "、".join(places.short_anchors)
        elif places.weak and (local or places.province_context):
            anchor = "、".join(dict.fromkeys(places.weak))
        elif local and not outside and (item.source_type in _PUBLIC_SOURCES or categories):
            anchor = item.source_name
        else:
            if places.foreign:
                return RelevanceResult(False, f"地名属外地：{places.foreign[0]}")
            if outside:
                return RelevanceResult(False, f"外地事件：{outside.most_common(1)[0][0]}")
            return RelevanceResult(False, "未提及本辖区")
        # a short town name is the weaker anchor: a tie with another region goes to it
        own = len(places.strong) + len(places.weak) + 0.5 * len(places.short_anchors)
        if outside and not places.town_scores:
            where, count = outside.most_common(1)[0]
            if count > own:
                kind = "邻县市" if where in places.neighbours else "外地"
                return RelevanceResult(False, f"主要涉及{kind}：{where}")
        if hits is None:
            public, commercial = self._public.words(text), self._commercial.words(text)
        else:
            public, commercial = [h.word for h in hits[0]], [h.word for h in hits[1]]
        if not categories and len(commercial) >= 2 and len(commercial) >= len(public):
            return RelevanceResult(False, f"广告/娱乐内容（{'、'.join(commercial[:3])}）")
        if not (categories or depts or public or item.source_type in _PUBLIC_SOURCES):
            return RelevanceResult(False, f"提及{anchor}，但不涉及公共事务")
        return RelevanceResult(True, f"涉及{anchor}")
