"""Event keys: the second clustering rule, "same place, same category, close in time".

A relevant item that is neither a reply nor a near-duplicate is keyed by its salient
anchors — the specific places it names — combined with each of its categories and the
local day of `published_at` (Asia/Shanghai). Two items sharing a key are the same event:
the rumour "南扶水库即将决堤", its rebuttal and the government's notice, all within a day.

Anchors (never a town or the county alone: "定城镇 + public_interest" is not an event):
- gazetteer villages, communities and landmarks the place locator accepted, scoped by
  their own town;
- facility names found by a regex over the cleaned text — "X水库", "X大道", "X中学",
  "X医院", "X市场", "X工地", … — scoped by the county (such a name is one facility in a
  county); "X村", "X社区", "X路", "X街", "X小区" repeat across towns, so they are scoped by
  the item's town and dropped when the item has none.
A name is two characters before its suffix ("南扶水库"); a town name there is shortened
("岭口镇中学" → "岭口中学"); a generic name ("人民医院", "中心小学") takes the two characters
before it; a place the text only sends people to ("送往县人民医院") is not an anchor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

LOCAL_TZ = timezone(timedelta(hours=8))
MAX_ANCHORS = 3
SCAN_CHARS = 2_000
KEY_PREFIX = "ek1"

COUNTY_SUFFIXES = (
    "水库|水厂|水电站|大道|大桥|中学|小学|幼儿园|卫生院|医院|农贸市场|市场|工地|"
    "广场|公园|车站|码头|农场|养殖场|养猪场|加工厂|化工厂|垃圾场|自来水厂"
)
TOWN_SUFFIXES = "社区|小区|村|路|街"
_SUFFIX = re.compile(f"(?:{COUNTY_SUFFIXES}|{TOWN_SUFFIXES})")
_TOWN_SCOPED = frozenset(TOWN_SUFFIXES.split("|"))
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
# characters that end a name: function words, pronouns, numerals, directions, verbs of motion
_STOP = frozenset(
    "的了在是有我你他她它们这那某一二两三几个些该本各每都和与及或往去到从向被把将就也还又很"
    "全多小老上下前后里外边旁近对在于为给让叫说要会能可已被镇乡县市省区城进出回来"
)
_GENERIC = frozenset({"人民", "中心", "第一", "第二", "第三", "实验", "中医", "妇幼", "农贸"})
_JUNK = frozenset(
    {
        "置房",
        "建筑",
        "施工",
        "项目",
        "春季",
        "秋季",
        "夏季",
        "冬季",
        "附近",
        "周边",
        "大型",
        "中型",
        "新建",
        "大中",
    }
)
LEAD_CHARS = 100  # an anchor is salient in the title, the text's lead, or named twice
_DESTINATION = (
    "送往",
    "送至",
    "送到",
    "送医",
    "转移到",
    "转移至",
    "转至",
    "转到",
    "前往",
    "安置到",
)


@dataclass(frozen=True)
class EventFacts:
    """What the key rule needs of a scored item (built by `event_facts`)."""

    categories: tuple[str, ...]
    anchors: tuple[tuple[str, str], ...]  # (scope, name): scope is a town or county code


def event_facts(analysis: Any, decision: Any, county_code: str) -> EventFacts | None:
    """The facts of one analysed and decided item; None when it must not cluster this way
    (irrelevant, no category, nothing to read, or no specific anchor)."""
    if not decision.relevant or not decision.categories or not analysis.content.strip():
        return None
    place = decision.place
    town = place.code if place.level == "town" else None
    short_towns: dict[str, str] = analysis.short_towns
    scored: dict[tuple[str, str], tuple[int, int]] = {}  # anchor → (count, first position)
    content: str = analysis.content[:SCAN_CHARS]
    title = analysis.title if analysis.content_title is None else analysis.content_title
    lead = len(title) + 1 if title else LEAD_CHARS  # the title as it starts `content`
    for code, words in analysis.places.town_words.items():
        for word in words:
            if word.endswith(("镇", "乡")) or word in short_towns:
                continue  # a town is not a specific anchor
            pos = content.find(word)
            if pos >= 0 and not _sent_to(content, pos):
                scored[(code, word)] = (content.count(word), pos)
    for name, suffix, pos in facility_names(content, short_towns):
        scope = town if suffix in _TOWN_SCOPED else county_code
        if scope is None:
            continue
        key = (scope, name)
        count, first = scored.get(key, (0, pos))
        scored[key] = (count + 1, min(first, pos))
    scored = {k: v for k, v in scored.items() if v[0] >= 2 or v[1] < lead}
    if not scored:
        return None
    ranked = sorted(scored, key=lambda k: (-scored[k][0], scored[k][1], k))
    return EventFacts(tuple(sorted(decision.categories)), tuple(ranked[:MAX_ANCHORS]))


def facility_names(text: str, short_towns: dict[str, str]) -> list[tuple[str, str, int]]:
    """(name, suffix, position) of every named facility in `text`, destinations excluded."""
    found = []
    for m in _SUFFIX.finditer(text):
        start = m.start()
        town_gap = m.group() not in _TOWN_SCOPED
        named = _name_before(text, start, short_towns, town_gap)
        if named is None:
            continue
        name, pos = named
        if _sent_to(text, pos):
            continue
        found.append((name + m.group(), m.group(), pos))
    return found


def _name_before(
    text: str, end: int, short_towns: dict[str, str], town_gap: bool = False
) -> tuple[str, int] | None:
    """The name ending at `end` and where it starts in `text`; with `town_gap`, a town
    named just before stands for an unnamed facility ("岭口镇一建筑工地" → 岭口)."""
    before = text[max(0, end - 6) : end]
    if before.endswith(_town_forms(tuple(short_towns))):
        for short in short_towns:  # "岭口镇中学" / "岭口中学" → 岭口
            if before.endswith((short + "镇", short + "乡")):
                return short, end - len(short) - 1
    name = text[max(0, end - 2) : end]
    if len(name) < 2 or not _CJK_RUN.fullmatch(name):
        return None
    if town_gap and (name in _JUNK or not _STOP.isdisjoint(name)):
        near = text[max(0, end - 9) : end]
        for short in short_towns:
            at = max(near.rfind(short + "镇"), near.rfind(short + "乡"))
            if at >= 0 and len(near) - at - len(short) - 1 <= 4:
                return short, end - len(near) + at
        return None
    if name in _JUNK:
        return None
    if name in _GENERIC:
        head = _name_before(text, end - 2, short_towns)
        if head is not None:
            return head[0] + name, head[1]
        return ("县" + name, end - 3) if text[max(0, end - 3) : end - 2] == "县" else None
    if not _STOP.isdisjoint(name):
        return None
    return name, end - 2


@lru_cache(maxsize=16)
def _town_forms(shorts: tuple[str, ...]) -> tuple[str, ...]:
    """Every "X镇" / "X乡" form of the short town names: one `endswith` tests them all."""
    return tuple(form for short in shorts for form in (short + "镇", short + "乡"))


def _sent_to(text: str, pos: int) -> bool:
    return text[max(0, pos - 3) : pos].endswith(_DESTINATION)


def local_day(published_at: str) -> datetime | None:
    """The Asia/Shanghai day of an ISO 8601 time; None when it cannot be read."""
    try:
        moment = datetime.fromisoformat(published_at)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    local = moment.astimezone(LOCAL_TZ)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


@lru_cache(maxsize=64)
def _day_names(ordinal: int) -> tuple[str, ...]:
    """The day's and its neighbours' names (YYYYMMDD): a batch's items share a few days."""
    day = date.fromordinal(ordinal)
    return tuple((day + timedelta(days=d)).strftime("%Y%m%d") for d in (0, -1, 1))


def anchor_keys(facts: EventFacts, published_at: str) -> tuple[list[str], list[str]]:
    """(keys to look up, keys to claim): the item's day and both neighbouring days are
    looked up, so an event crossing midnight joins; only the item's own day is claimed."""
    day = local_day(published_at)
    if day is None:
        return [], []
    days = _day_names(day.toordinal())
    lookup: list[str] = []
    claim: list[str] = []
    for scope, name in facts.anchors:
        for category in facts.categories:
            keys = [f"{KEY_PREFIX}:{scope}:{name}:{category}:{d}" for d in days]
            claim.append(keys[0])
            lookup.extend(keys)
    return lookup, claim
