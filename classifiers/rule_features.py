"""The rules' evidence as features: what the rules found, and where a town is named.

`rule_features` turns one analysis into names such as `src:forum`, `place:strong`,
`rcat:emergency`, `rtown:…`, `tshort:…` (a town named without 镇), `rlead:…`; the model
learns when to trust each rule (features.py weighs them as the rules block).
"""

from __future__ import annotations

import re
from functools import lru_cache

import ahocorasick

from classifiers.analysis import Analysis

_SEAT_WORDS = ("县城", "城区", "县医院", "县人民医院", "县中医院", "县妇幼", "县一小", "县二小")
_TOWN_SUFFIX = re.compile(
    r"^(?:镇|墟|中学|小学|中心|卫生院|派出所|那边|这边|这里|那里|一带|人|街|市场)"
)


@lru_cache(maxsize=64)
def _town_automaton(shorts: tuple[str, ...]) -> ahocorasick.Automaton:
    """The short town names and the seat words, found together in one C pass."""
    automaton = ahocorasick.Automaton()
    for word in (*shorts, *_SEAT_WORDS):
        automaton.add_word(word, (len(word), word))
    automaton.make_automaton()
    return automaton


def town_features(
    text: str,
    short_names: dict[str, str],
    seat: str | None,
    readings: dict[str, int] | None = None,
) -> list[str]:
    """A town named without 镇 ("岭口墟", "富文中学", "龙湖人"), and the county seat (县城).
    `readings` (PlaceEvidence.short_towns), when given, is where each short name is first
    read as our town, not inside another place's name ("洛阳龙门石窟"); without it, each
    word's first occurrence (as `str.find` gives it) comes from one Aho-Corasick pass."""
    if readings is None:
        readings = {}
        for end, (size, word) in _town_automaton(tuple(short_names)).iter(text):
            if word not in readings:  # occurrences of one word come in text order
                readings[word] = end - size + 1
    feats = []
    for short, code in short_names.items():
        at = readings.get(short, -1)
        if at >= 0:
            feats.append(f"tshort:{code}")
            if _TOWN_SUFFIX.match(text[at + len(short) : at + len(short) + 3]):
                feats.append(f"tsuffix:{code}")
    if seat and any(w in text for w in _SEAT_WORDS):  # found anywhere: a substring test
        feats.append(f"seat:{seat}")
    return feats


def rule_features(
    a: Analysis, towns: dict[str, str] | None = None, seat: str | None = None
) -> list[str]:
    feats = [f"src:{a.item.source_type}", f"verdict:{a.verdict.relevant}"]
    reason = a.verdict.reason
    for prefix, code in (
        ("地名属外地", "foreign"),
        ("外地事件", "elsewhere"),
        ("主要涉及", "mainly_outside"),
        ("广告", "commercial"),
        ("未提及", "no_anchor"),
        ("提及", "no_public"),
    ):
        if reason.startswith(prefix):
            feats.append(f"reason:{code}")
            break
    p = a.places
    for flag, on in (
        ("strong", p.strong),
        ("weak", p.weak),
        ("foreign", p.foreign),
        ("neighbour", p.neighbours),
        ("elsewhere", p.elsewhere),
        ("province", p.province_context),
    ):
        if on:
            feats.append(f"place:{flag}")
    feats += [f"rcat:{c}" for c in a.found.categories]
    feats += [f"rtown:{code}" for code in p.town_scores]
    if a.place is not None and a.place.level == "town":
        feats.append(f"gtown:{a.place.code}")
    if towns:
        feats += town_features(a.content[:5_000], towns, seat, p.short_towns)
    ev = a.department_evidence
    if ev is not None:
        feats += [f"named:{code}" for code in ev.named]
        feats += [f"kw:{code}" for code in ev.keywords]
    for n, d in enumerate(a.departments):
        evidence = d.why.startswith(("文中点名", "职责关键词"))
        if n == 0:
            feats.append(f"rlead:{d.code}" + ("" if evidence else ":default"))
        elif evidence:
            feats.append(f"rdept:{d.code}")
    return feats
