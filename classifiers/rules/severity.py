"""Emergency severity from stated casualties, on the national four-level scale.

特别重大 ≥30 deaths or ≥100 serious injuries; 重大 10–29 / 50–99; 较大 3–9 / 10–49; else 一般.
Deaths include the missing (死亡（含失踪）). Any stated injury counts as an injury (a post
rarely says 重伤). Numbers may be Chinese ("三人死亡", "十余人受伤"): "余/多" read as the
lower bound, "数十/几十" as 20, "数百" as 200, a bare "数/几" as 3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000}
_VAGUE = {"数十": 20, "几十": 20, "数百": 200, "几百": 200, "十几": 10, "数": 3, "几": 3}

_NUM = r"(?:\d+|数十|几十|数百|几百|十几|[零〇一二两三四五六七八九十百千万]+|数|几)"
_GAP = r"[^\d零〇一二两三四五六七八九十百千万，。、；,;！!？?\s]{0,5}?"
_DEATH = r"(?:死亡|遇难|身亡|罹难|丧生|殒命|失踪|失联|不幸去世|当场死亡)"
_INJURY = r"(?:重伤|受伤|轻伤|伤)"
_COUNT = rf"(?P<n>{_NUM})(?:余|多)?(?:名|人|位|个人|个)"

DEATHS_BEFORE = re.compile(rf"{_COUNT}{_GAP}{_DEATH}")
DEATHS_AFTER = re.compile(
    rf"{_DEATH}(?:人数)?(?:达到|达|为|至|共)?(?P<n>{_NUM})(?:余|多)?(?:名|人|位)(?!{_GAP}{_INJURY})"
)
INJURIES_BEFORE = re.compile(rf"{_COUNT}{_GAP}{_INJURY}")
INJURIES_AFTER = re.compile(
    rf"(?:重伤|受伤)(?:人数)?(?:达到|达|为|至|共)?(?P<n>{_NUM})(?:余|多)?(?:名|人|位)(?!{_GAP}{_DEATH})"
)
SHORT_FORM = re.compile(rf"(?P<d>{_NUM})死(?P<i>{_NUM})伤")
_ANY_DEATH = re.compile(_DEATH)


def chinese_number(text: str) -> int:
    """ "三" → 3, "二十三" → 23, "一百零五" → 105, "十" → 10, "12" → 12, "数十" → 20."""
    if text.isdigit():
        return int(text)
    if text in _VAGUE:
        return _VAGUE[text]
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            unit = _UNITS[ch]
            if unit == 10_000:
                total += (section + (digit or 0)) * unit
                section = 0
            else:
                section += (1 if digit is None else digit) * unit
            digit = None
        else:
            raise ValueError(f"not a Chinese number: {text!r}")
    return total + section + (digit or 0)


@dataclass(frozen=True)
class Casualties:
    deaths: int = 0
    injuries: int = 0


def casualties(text: str) -> Casualties:
    # each pattern needs its death word or "伤" in the text: a text without them skips the
    # patterns' number-at-every-position scans (most texts of the emergency category)
    has_death = _ANY_DEATH.search(text) is not None
    has_injury = "伤" in text
    deaths = [
        chinese_number(m["n"])
        for r in ((DEATHS_BEFORE, DEATHS_AFTER) if has_death else ())
        for m in r.finditer(text)
    ]
    injuries = [
        chinese_number(m["n"])
        for r in ((INJURIES_BEFORE, INJURIES_AFTER) if has_injury else ())
        for m in r.finditer(text)
    ]
    for m in SHORT_FORM.finditer(text) if has_injury and "死" in text else ():
        deaths.append(chinese_number(m["d"]))
        injuries.append(chinese_number(m["i"]))
    return Casualties(max(deaths, default=0), max(injuries, default=0))


def grade(c: Casualties) -> str:
    if c.deaths >= 30 or c.injuries >= 100:
        return "especially_major"
    if c.deaths >= 10 or c.injuries >= 50:
        return "major"
    if c.deaths >= 3 or c.injuries >= 10:
        return "larger"
    return "general"


def severity(text: str) -> tuple[str, Casualties]:
    """The grade and the casualty counts it was read from (for the explanation)."""
    found = casualties(text)
    return grade(found), found
