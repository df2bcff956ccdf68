"""`PrefilteredPattern` answers as `re` does, and skips only texts that cannot match."""

from __future__ import annotations

import re

import pytest

from classifiers.bench import make_items, sample_texts
from classifiers.rules.departments import SITUATIONS
from classifiers.rules.prefilter import PrefilteredPattern, leading_literals


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("a|b", {"a", "b"}),
        ("(?:ab|c)d", {"abd", "cd"}),
        ("(a)b", {"ab"}),
        ("x+y", {"x"}),
        ("[ab]c", {"ac", "bc"}),
        ("x(?:|a+)y", {"x", "xa"}),
        ("校车[^。]{0,30}超载|(?:超员|超载)[^。]{0,20}校车", {"校车", "超员", "超载"}),
        ("a?b", None),
        ("[^a]x", None),
        (r"\dx", None),
        ("x{0,2}y", None),
        ("(?:|a)", None),
        ("(?=a)a", None),
        ("^a", None),
        ("[a-c]z", None),
        ("(?i)abc", None),
        ("(?i:a)b", None),
    ],
)
def test_leading_literals(pattern: str, expected: set[str] | None) -> None:
    found = leading_literals(pattern)
    assert (set(found) if found is not None else None) == expected


def test_every_situation_pattern_finds_what_re_finds() -> None:
    texts = [it.text for it in make_items(300, seed=9)] + sample_texts()
    patterns = [p for row in SITUATIONS for p in row[:2] if p is not None]
    assert all(p.gate is not None for p in patterns)  # each is prefiltered
    matched = 0
    for fast in patterns:
        plain = re.compile(fast.pattern)
        for text in texts:
            for pos, endpos in ((0, len(text)), (5, 60)):
                a, b = plain.search(text, pos, endpos), fast.search(text, pos, endpos)
                assert (a and a.span()) == (b and b.span()), (fast.pattern, text)
                matched += a is not None
    assert matched > 100  # the texts exercise the patterns, not only their gates


def test_an_unknown_beginning_is_searched_in_full() -> None:
    fast = PrefilteredPattern(r"\d+人")
    assert fast.gate is None and fast.search("共有30人").span() == (2, 5)
