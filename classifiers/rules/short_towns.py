"""A town's short name ("龙门" for 龙门镇) read as ours only where it is a place.

Not right after another region ("洛阳龙门", "茅畲乡龙门村") nor inside a longer name of
jieba's dictionary ("龙门石窟", "鲤鱼跳龙门"). A reading with a place's context ("龙门的村民",
"去黄竹赶集", "龙河天池村", or beside another anchor of ours) is a weaker anchor of relevance;
alone ("掌声雷鸣", "新竹一间幼儿园") it is not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from classifiers.rules.word_bounds import in_longer_name, word_before

if TYPE_CHECKING:
    from classifiers.rules.places import PlaceEvidence

COUNTY_WORDS = frozenset(("我县", "本县", "全县"))
# a short town name's place context: being or going there before it, a town's tail after it
_TO_PLACE = frozenset(("在", "去", "到", "回", "住", "从", "往", "赴", "来自", "回到", "前往"))
_ANCHOR_TAIL = re.compile(
    r"的?(?:镇|乡|墟|村|街)|人|中学|小学|中心|卫生院|派出所|市场|水库|敬老院|学校|幼儿园"
)


class ShortTownReader:
    """Finds the short names' place readings in a text; built once per profile."""

    def __init__(
        self,
        shorts: Iterable[str],
        own_names: tuple[str, ...],
        theirs_before: Callable[[str, int], bool],
    ):
        """`own_names`: the county's and towns' names ("定安龙河镇": no "安龙" across them);
        `theirs_before(text, start)`: another region's name ends right before `start`."""
        names = sorted((s for s in set(shorts) if len(s) >= 2), key=len, reverse=True)
        self._re = re.compile("|".join(map(re.escape, names))) if names else None
        self._own_names = own_names
        self._theirs_before = theirs_before

    def read(self, text: str, other_ends: set[int], ev: PlaceEvidence) -> dict[str, int]:
        """Each short name's first place reading ("在龙门", "龙门的村民", "龙门镇") → where
        it starts; the names of readings with a place's context go to `ev.short_anchors`.
        `other_ends`: where the text's mentions of neighbours and other regions end."""
        found: dict[str, int] = {}
        if self._re is None:
            return found
        anchors = ev.short_anchors
        for m in self._re.finditer(text):  # one C scan for all the names
            short, start, end = m.group(), m.start(), m.end()
            if short in anchors:
                continue
            if short in found:  # a later one counts only as an anchor ("…翰林中心学校")
                if self._anchored(text, start, end, ev) and self._town_reading(
                    text, start, end, other_ends
                ):
                    anchors.append(short)
            elif self._town_reading(text, start, end, other_ends):
                found[short] = start
                if self._anchored(text, start, end, ev):
                    anchors.append(short)
        return found

    @staticmethod
    def _anchored(text: str, start: int, end: int, ev: PlaceEvidence) -> bool:
        """Whether a reading is in a place's context: a village or landmark of ours in the
        text ("龙河天池村"), "我县" (not a 县 department: every county has one), a town's
        tail ("龙门的村民", "岭口中学") or a word of being or going there ("去黄竹", "在岭口")."""
        if ev.town_scores or any(w in COUNTY_WORDS for w in ev.weak):
            return True
        return bool(_ANCHOR_TAIL.match(text, end)) or word_before(text, start) in _TO_PLACE

    def _town_reading(self, text: str, start: int, end: int, other_ends: set[int]) -> bool:
        if start in other_ends or self._theirs_before(text, start):
            return False
        if text.startswith(("镇", "乡"), end):
            return True  # "龙门镇": the town's full name, no longer word of another place
        # after our own name ("定安龙河镇") a word across both ("安龙") is no other place
        own = any(text.endswith(name, 0, start) for name in self._own_names)
        return not in_longer_name(text, start, end, start if own else max(0, start - 4))
