"""Chinese word segmentation with the jurisdiction's own words (rjieba, the Rust jieba).

The user dictionary comes from the profile: county, towns, villages and landmarks,
department names and their keywords, so "龙湖镇居丁村" splits into the places a monitor
searches for. `segment_for_index` is the full-text tokeniser named in deploy/yuqing.yaml
(`tokenizer: classifiers.tokenize:segment_for_index`): search-mode tokens without
punctuation or whitespace, lower-cased.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping

import rjieba

from pipeline.profile import JurisdictionProfile, load_profile

log = logging.getLogger("yuqing.classify.tokenize")

_PLACE_FREQ = 200_000  # high enough to win over jieba's own splits of a place name
_TERM_FREQ = 50_000
_TOKEN_OK = re.compile(r"[0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]")


def profile_words(profile: JurisdictionProfile) -> dict[str, str]:
    """Word → part-of-speech tag for the user dictionary (ns place, nt organisation, n term)."""
    words: dict[str, str] = {}
    for name in (profile.jurisdiction, *profile.aliases, *profile.neighbours):
        words[name] = "ns"
    for town in profile.towns:
        for name in (town.name, *town.aliases):
            words[name] = "ns"
        for village in town.villages:
            words[village.name] = "ns"
    for dept in profile.departments:
        for name in (dept.name, dept.short, *dept.aliases):
            if name:
                words[name] = "nt"
        for kw in dept.keywords:
            words.setdefault(kw, "n")
    return {w: tag for w, tag in words.items() if len(w) >= 2}


class ProfileTokenizer:
    """A jieba segmenter of its own (not the module-global one) with the profile's words."""

    def __init__(
        self,
        profile: JurisdictionProfile,
        extra_words: tuple[str, ...] | Mapping[str, str] = (),
    ):
        """`extra_words`: more words (tag "n"), or word → tag ("ns"/"nt" weigh as places)."""
        self.profile_name = profile.name
        self._jieba = rjieba.Jieba()
        words = profile_words(profile)
        extra = extra_words if isinstance(extra_words, Mapping) else dict.fromkeys(extra_words, "n")
        for word, tag in extra.items():
            if len(word) >= 2:
                words.setdefault(word, tag)
        for word, tag in words.items():
            self._jieba.add_word(word, _PLACE_FREQ if tag in ("ns", "nt") else _TERM_FREQ, tag)
        self.user_words = len(words)

    def cut(self, text: str) -> list[str]:
        """Every piece of the text in order (whitespace too): their lengths add up."""
        return self._jieba.cut(text)

    def segment(self, text: str) -> list[str]:
        """Words in order, whitespace dropped (punctuation kept: it is part of the text)."""
        return [t for t in self._jieba.cut(text) if not t.isspace()]

    def segment_for_index(self, text: str) -> list[str]:
        """Search-mode tokens (long words and their parts) for FTS, punctuation dropped."""
        if not text:
            return []
        return [t.lower() for t in self._jieba.cut_for_search(text) if _TOKEN_OK.search(t)]


_default: ProfileTokenizer | None = None
_lock = threading.Lock()


def default_tokenizer() -> ProfileTokenizer:
    """The tokenizer of the configured profile (deploy/yuqing.yaml), built once per process."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = ProfileTokenizer(load_profile(_configured_profile()))
    return _default


def _configured_profile() -> str:
    try:
        from pipeline.config import load_settings

        return load_settings().profile
    except Exception as exc:  # a broken config must not break search: fall back, say so
        log.warning("tokenizer: cannot read the configured profile (%s); using dingan", exc)
        return "dingan"


def segment(text: str) -> list[str]:
    return default_tokenizer().segment(text)


def segment_for_index(text: str) -> list[str]:
    return default_tokenizer().segment_for_index(text)
