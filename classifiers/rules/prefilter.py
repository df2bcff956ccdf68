"""Regex searches that skip, at C speed, the texts that cannot match.

Python's `re` scans quickly for a pattern that starts with a literal or a character class,
but tries every alternative at every position of one that starts with a group of
alternatives ("(?:校车|接送车)…|(?:超员|超载)…"): 5–8 µs per 300 characters. A
`PrefilteredPattern` first looks for any character a match can start with (one
character-class scan, found from the parsed pattern); only a text holding one is searched
in full. The answer is the pattern's own: every match starts with one of those characters.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import ahocorasick

MAX_PREFIXES = 64  # more leading strings than this: no prefilter
_REPEATS = tuple(
    getattr(sre, name)
    for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
    if hasattr(sre, name)
)


def leading_literals(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Strings one of which every match of `pattern` starts with (each as long as the
    pattern's literal beginning allows), or None when that is not known (a match may be
    empty or start with an assertion, a class, a category…)."""
    if flags & re.IGNORECASE:
        return None
    try:
        parsed = sre_parse.parse(pattern, flags)
    except (re.error, RecursionError):
        return None
    if parsed.state.flags & re.IGNORECASE:  # an inline (?i)
        return None
    found = _sequence(list(parsed))
    if found is None or "" in found[0]:
        return None
    return frozenset(found[0])


def _sequence(items: list[tuple[Any, Any]]) -> tuple[set[str], bool] | None:
    """(the prefixes a match of the items starts with, whether they are whole matches)."""
    prefixes = {""}
    for op, av in items:
        found = _item(op, av)
        if found is None:
            return (prefixes, False) if prefixes != {""} else None
        strings, whole = found
        prefixes = {p + s for p in prefixes for s in strings}
        if len(prefixes) > MAX_PREFIXES:
            return None
        if not whole:
            return prefixes, False
    return prefixes, True


def _item(op: Any, av: Any) -> tuple[set[str], bool] | None:
    if op is sre.LITERAL:
        return {chr(av)}, True
    if op is sre.IN:
        chars = set()
        for kind, value in av:
            if kind is not sre.LITERAL:  # NEGATE, RANGE, CATEGORY: not a few literals
                return None
            chars.add(chr(value))
        return chars, True
    if op is sre.BRANCH:
        union: set[str] = set()
        whole = True
        for alternative in av[1]:
            found = _sequence(list(alternative))
            if found is None:
                return None
            union |= found[0]
            whole = whole and found[1]
        return union, whole
    if op is sre.SUBPATTERN:
        _group, add_flags, _del_flags, body = av
        return None if add_flags & re.IGNORECASE else _sequence(list(body))
    if op in _REPEATS and av[0] >= 1:
        found = _sequence(list(av[2]))
        return (found[0], False) if found else None
    return None


class PrefilteredPattern:
    """`re.compile(pattern, flags)` whose `search` first checks that a match can start
    somewhere in the text; `search` and `pattern` behave as the compiled pattern's."""

    __slots__ = ("regex", "pattern", "gate", "literals")

    def __init__(self, pattern: str, flags: int = 0):
        self.regex = re.compile(pattern, flags)
        self.pattern = self.regex.pattern
        literals = self.literals = leading_literals(pattern, flags)
        # longest first: no string is then hidden by a prefix of it (not that a search for
        # any one of them needs that)
        ordered = sorted(literals or (), key=lambda w: (-len(w), w))
        self.gate = re.compile("|".join(map(re.escape, ordered))) if literals else None

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        if self.gate is not None and self.gate.search(text, pos, endpos) is None:
            return None
        return self.regex.search(text, pos, endpos)

    def __repr__(self) -> str:
        return f"PrefilteredPattern({self.pattern!r})"


class PatternGates:
    """Which of many `PrefilteredPattern`s may match a text, found in one Aho-Corasick pass
    (pyahocorasick, C) over every pattern's leading strings instead of one gate scan per
    pattern. A pattern passes exactly when its own gate would (one of its leading strings
    occurs in the text), or always when it has no gate; `search` then runs only those."""

    def __init__(self, patterns: Sequence[PrefilteredPattern]):
        self.patterns = tuple(patterns)
        self.ungated = tuple(n for n, p in enumerate(self.patterns) if not p.literals)
        owners: dict[str, set[int]] = {}
        for n, p in enumerate(self.patterns):
            for literal in p.literals or ():
                owners.setdefault(literal, set()).add(n)
        self._automaton = ahocorasick.Automaton()
        for literal, rows in owners.items():
            self._automaton.add_word(literal, frozenset(rows))
        if owners:
            self._automaton.make_automaton()
        self._empty = not owners

    def candidates(self, text: str) -> list[int]:
        """Indices (ascending) of the patterns whose gate passes on `text`."""
        found = set(self.ungated)
        if not self._empty:
            for _end, rows in self._automaton.iter(text):
                found |= rows
        return sorted(found)

    def matching(self, text: str) -> list[int]:
        """Indices (ascending) of the patterns that match somewhere in `text`."""
        patterns = self.patterns
        return [n for n in self.candidates(text) if patterns[n].regex.search(text)]
