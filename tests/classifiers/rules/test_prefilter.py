"""`PrefilteredPattern` answers as `re` does, and skips only texts that cannot match."""

from __future__ import annotations

import random
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


def test_pattern_gates_pass_what_each_gate_passes() -> None:
    """One Aho-Corasick pass over every pattern's leading strings passes exactly the
    patterns whose own gate passes (overlapping and nested leading strings included), and
    `matching` is the patterns that match; the situation rows are those the rows give."""
    from classifiers.rules.departments import situation_rows
    from classifiers.rules.prefilter import PatternGates

    rng = random.Random(4)
    patterns = [p for row in SITUATIONS for p in row[:2] if p is not None]
    patterns += [PrefilteredPattern(r"\d+人"), PrefilteredPattern("ab|abc|bcd")]
    gates = PatternGates(patterns)
    pieces = sorted({w for p in patterns for w in p.literals or ()}) + list("ab cd0123人。")
    texts = [it.text for it in make_items(200, seed=10)] + sample_texts()
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randrange(0, 8))) for _ in range(3000)]
    matched = 0
    for text in texts:
        expected = [n for n, p in enumerate(patterns) if p.gate is None or p.gate.search(text)]
        assert gates.candidates(text) == expected, text
        found = [n for n, p in enumerate(patterns) if p.search(text)]
        assert gates.matching(text) == found, text
        matched += len(found)
        head = text[:3_000]
        assert situation_rows(head) == [
            n
            for n, (p, x, _lead, _row) in enumerate(SITUATIONS)
            if p.search(head) and not (x and x.search(head))
        ]
    assert matched > 200
