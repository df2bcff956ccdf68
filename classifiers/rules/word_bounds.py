"""Where a place name found in a text is a word of its own, by jieba's word boundaries and
its dictionary: "复合肥" is no 合肥, "龙门石窟" no 龙门, "我们/县" no county (places.py).

Only jieba's own dictionary is used (`base_segmenter`), so what counts as an ordinary word
does not depend on the lexicons added to the tokenizer.
"""

from __future__ import annotations

import re
from functools import cache

import rjieba

# what may follow a short town name inside one word and leave it our town ("龙门镇", "龙湖人")
_TOWN_TAIL = re.compile(r"镇|乡|墟|村|人|街|中学|小学|中心|卫生院|派出所|市场")


@cache
def base_segmenter() -> rjieba.Jieba:
    """jieba with its own dictionary only: what an ordinary reader's word boundaries are."""
    return rjieba.Jieba()


def ends_in_name(prefix: str) -> bool:
    """Whether "…县"/"…镇" before a town of ours ends in a place name, by jieba's word
    boundaries and its dictionary: not a lone level character ("我们/县", "这个/县") nor a
    common word of the dictionary ("超市", "家乡", "乡镇"); unknown names ("茅畲乡") are."""
    jieba = base_segmenter()
    last = jieba.cut(prefix)[-1]
    if len(last) < 2:
        return False
    return not (jieba.has_word(last) and _common(jieba.tag(last)[0][1]))


def inside_a_word(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is part of a longer common word of jieba's dictionary
    ("复合肥", "长治久安"), not a name of its own or the head of a longer name ("三亚湾")."""
    jieba = base_segmenter()
    left = max(0, start - 4)
    at = left
    for token in jieba.cut(text[left : end + 4]):
        if at <= start < at + len(token):
            if at == start and len(token) <= end - start:
                return False  # a word of its own
            return jieba.has_word(token) and _common(jieba.tag(token)[0][1])
        at += len(token)
    return False


def in_longer_name(text: str, start: int, end: int, left: int) -> bool:
    """Whether text[start:end] lies inside a longer word of jieba's dictionary ("龙门石窟",
    "跳龙门"), other than the name with a town's tail ("龙门镇", "龙湖人"); the words are
    cut from `left` on."""
    jieba = base_segmenter()
    at = left
    for token in jieba.cut(text[left : end + 4]):
        stop = at + len(token)
        if stop > start:
            if at == start and (stop <= end or _TOWN_TAIL.match(token, end - start)):
                return False
            return jieba.has_word(token)
        at = stop
    return False


def word_after(text: str, start: int, end: int) -> str:
    """The word that follows the name text[start:end] by jieba's word boundaries: the rest
    of one word that holds it ("北京路" → "路", "四川话" → "话"), else the next word
    ("上海/路" → "路", "上海/路上" → "路上", "北京/人民" → "人民"); "" when none."""
    tokens = base_segmenter().cut(text[start : end + 4])
    if not tokens or not tokens[0].startswith(text[start:end]):
        return ""
    if len(tokens[0]) > end - start:
        return tokens[0][end - start :]
    return tokens[1] if len(tokens) > 1 else ""


def word_before(text: str, start: int) -> str:
    """The word that ends at `start` by jieba's word boundaries ("我/在|龙门" → "在", but
    "现在|龙门" → "现在"): a preposition of place only when it is a word of its own."""
    tokens = base_segmenter().cut(text[max(0, start - 4) : start])
    return tokens[-1] if tokens else ""


def _common(tag: str) -> bool:
    """A part-of-speech tag of jieba's dictionary that is no proper name (ns, nr, nt, nz)."""
    return tag == "n" or not tag.startswith("n")


def place_word_at(text: str, start: int) -> bool:
    """Whether a place or direction word of jieba's dictionary starts at `start` ("街上",
    "乡下", "门口"): "定安街上" is on 定安's streets, not at another region's 定安街."""
    jieba = base_segmenter()
    first = jieba.cut(text[start : start + 4])[0]
    return len(first) >= 2 and jieba.tag(first)[0][1] in ("s", "f")
