"""The departments' duties (profile `duties`) as evidence for the lead department.

Every department's duties text ("食品安全监管；药品和医疗器械监管；…") is cut into words with
the analyzer's tokenizer; a word in the duties of many departments (管理, 工作, 安全…) says
nothing about who leads and is dropped. An item then gets one `duty:CODE` feature per duty
word of CODE among its tokens (repeats count, TF-IDF dampens them), so the lead head sees
how much of each department's remit the item touches, beside the profile's keywords.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from pipeline.profile import JurisdictionProfile

MAX_DEPARTMENTS_PER_WORD = 2  # a word in the duties of more departments is too general
_GENERAL = frozenset({"管理", "工作", "监管", "服务", "建设", "负责", "组织", "指导", "县域"})


def duty_words(profile: JurisdictionProfile, cut) -> dict[str, tuple[str, ...]]:
    """Word → the departments whose duties name it (`cut`: text → words)."""
    owners: dict[str, set[str]] = defaultdict(set)
    for dept in profile.departments:
        if dept.code.startswith("town_"):
            continue
        for duty in dept.duties:
            for word in cut(duty):
                word = word.strip()
                if len(word) >= 2 and word not in _GENERAL:
                    owners[word].add(dept.code)
    return {
        w: tuple(sorted(codes))
        for w, codes in owners.items()
        if len(codes) <= MAX_DEPARTMENTS_PER_WORD
    }


def duty_features(tokens: Iterable[str], words: dict[str, tuple[str, ...]]) -> list[str]:
    """One `duty:CODE` per token that is a duty word of CODE; the top department twice more
    as `duty1:CODE` (the remit the item touches most)."""
    counts: Counter[str] = Counter()
    for token in tokens:
        for code in words.get(token, ()):
            counts[code] += 1
    feats = [f"duty:{code}" for code, n in counts.items() for _ in range(n)]
    if counts:
        feats.append(f"duty1:{counts.most_common(1)[0][0]}")
    return feats
