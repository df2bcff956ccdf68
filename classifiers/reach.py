"""Reach and scale of an item: how many people it concerns, and how far it has spread.

`public_interest` turns on "many people affected, or a large reaction" versus one person's
own grievance, which words alone catch poorly. These features name the cues:
- scale: counts of people or households in the text (几十户, 上百人, 200多名, 三个村), the
  collective words (村民们, 全村, 集体, 联名, 业主们…) and the one-person cues (我家, 来电人,
  本人…), each as a feature (`scale:…`, `one:…`);
- reach: the item's metrics (views, replies, reposts, likes) in decade bins (`reach:views:3`
  for 1,000–9,999 views) and the largest of them.
They join the rules block of features.py, so the model weighs them with the rest.
"""

from __future__ import annotations

import math
import re

import ahocorasick

from classifiers.rules.severity import chinese_number
from pipeline.models import Metrics

_UNITS = "户|人|名|家|位|个人|个村|个小区|个班|辆|个学生|个孩子|名学生|名工人|个工人"
# a count of people: Arabic (200多名), Chinese (两百多户, 三十几人) or vague (几十户, 上百人)
# (the lookahead only skips, fast, the positions where no count can start)
_COUNT = re.compile(
    r"(?=[\d一二两三四五六七八九十百千万几数上])"
    r"(?P<num>\d+|[一二两三四五六七八九十百千万几数上]+)(?:多|余|来|几)?(?P<unit>" + _UNITS + ")"
)
_COLLECTIVE = (
    "村民们",
    "居民们",
    "业主们",
    "家长们",
    "工人们",
    "群众",
    "全村",
    "整个村",
    "全镇",
    "全小区",
    "整个小区",
    "整条街",
    "全校",
    "集体",
    "联名",
    "多个村",
    "好几个村",
    "各村",
    "大批",
    "众多",
    "纷纷",
    "聚集",
    "围堵",
    "上访",
    "大家",
    "乡亲们",
    "很多人",
    "不少人",
    "许多",
    "家家户户",
    "片区",
    "沿线",
)
_ONE_PERSON = (
    "我家",
    "我爸",
    "我妈",
    "本人",
    "来电人",
    "我的",
    "我老公",
    "我老婆",
    "我儿子",
    "邻居",
)


def _cue_automaton(words: tuple[str, ...]) -> ahocorasick.Automaton:
    """Every cue word present in a text, overlaps included, in one C pass (Aho-Corasick)."""
    automaton = ahocorasick.Automaton()
    for word in words:
        automaton.add_word(word, word)
    automaton.make_automaton()
    return automaton


_CUES = _cue_automaton(_COLLECTIVE + _ONE_PERSON)


def _value(num: str) -> int:
    """A rough value of a count (enough for bins: 10+, 100+)."""
    if num.isdigit():
        return int(num)
    if num[0] in "几数上":
        return 100 if "百" in num or "千" in num or "万" in num else 10 if "十" in num else 3
    return chinese_number("".join(ch for ch in num if ch not in "几数上") or "0")


def scale_features(text: str) -> list[str]:
    """`scale:count10`/`scale:count100` (the largest people count), collective and one-person
    cues (`scale:w:…`, `one:…`), and how many collective cues there are."""
    feats: list[str] = []
    largest = 0
    for m in _COUNT.finditer(text):
        n = _value(m.group("num"))
        if m.group("unit").startswith("个村") and n >= 2:
            n *= 100  # several villages: many people
        largest = max(largest, n)
    if largest >= 10:
        feats.append("scale:count10")
    if largest >= 100:
        feats.append("scale:count100")
    present = {word for _end, word in _CUES.iter(text)}
    collective = [w for w in _COLLECTIVE if w in present]
    feats += [f"scale:w:{w}" for w in collective]
    if len(collective) >= 2:
        feats.append("scale:several")
    feats += [f"one:{w}" for w in _ONE_PERSON if w in present]
    return feats


def reach_features(metrics: Metrics | None) -> list[str]:
    """Decade bins of each metric and of the largest one (`reach:max:4`: ≥ 10,000)."""
    if metrics is None:
        return ["reach:none"]
    feats, largest = [], 0
    for name in ("views", "replies", "reposts", "likes"):
        value = getattr(metrics, name) or 0
        if value > 0:
            feats.append(f"reach:{name}:{min(5, int(math.log10(value)))}")
            largest = max(largest, value)
    feats.append(f"reach:max:{min(5, int(math.log10(largest))) if largest else 0}")
    return feats
