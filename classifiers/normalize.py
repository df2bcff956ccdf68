"""Text normalisation before scoring: what a crawler may have left behind.

Traditional → simplified (OpenCC t2s), pinyin annotations from site converters
("網(wǎng)站"), control and zero-width characters, converter punctuation ("一,、"), runs of
whitespace, and a length cap so one huge page cannot stall the stage. Built once;
`TextNormalizer.text()` is the per-item path. Each substitution is skipped when a plain
string test shows it cannot change the text (most texts are clean).
Markup is content here: the crawler's cleaner already removed the page's own tags, so a "<"
or "&lt;" left in the text is what a person wrote and is stored as written (the web escapes
it). Only the scoring features read a `plain=True` copy with tags and entities removed, as
the models were trained on (`has_markup` says when that copy differs).
"""

from __future__ import annotations

import html
import re

import opencc

# a parenthesised pinyin syllable with a tone mark or ü, as inserted after each character
_PINYIN = re.compile(r"[(（][a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{1,7}[)）]")
_TAG = re.compile(
    r"<(?:script|style)\b.*?</(?:script|style)\s*>|<!--.*?-->|</?[a-zA-Z][^<>]{0,500}>", re.S | re.I
)
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\u202a-\u202e\ufeff\ud800-\udfff]"
)
_CONVERTER_PUNCT = re.compile(r"[,，]、|、[,，]")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")

MAX_TEXT_CHARS = 20_000
MAX_TITLE_CHARS = 500
MAX_AUTHOR_CHARS = 100


RAW_FACTOR = 4  # a field is cut to 4 × its limit before any work: 1 MB of text costs no more


def _traditional_pattern(t2s: opencc.OpenCC) -> re.Pattern[str]:
    """A character class of every CJK character that t2s changes (found once, ~20 ms)."""
    chars = "".join(chr(c) for c in range(0x3400, 0xA000))
    converted = t2s.convert(chars)
    if len(converted) != len(chars):  # not one-to-one: always convert
        return re.compile(r"[\u3400-\u9fff]")
    changed = "".join(a for a, b in zip(chars, converted, strict=True) if a != b)
    return re.compile(f"[{re.escape(changed)}]") if changed else re.compile(r"(?!)")


class TextNormalizer:
    """Cleans one field of an item; safe on already-clean text (idempotent)."""

    def __init__(self, max_text: int = MAX_TEXT_CHARS, max_title: int = MAX_TITLE_CHARS):
        self.max_text = max_text
        self.max_title = max_title
        self._t2s = opencc.OpenCC("t2s")
        self._traditional = _traditional_pattern(self._t2s)

    @staticmethod
    def has_markup(value: str | None, limit: int) -> bool:
        """Whether the `plain=True` form of `value` may differ from its stored form."""
        if not value:
            return False
        head = value[: limit * RAW_FACTOR]
        return "<" in head or "&" in head

    def clean(self, value: str | None, limit: int, plain: bool = False) -> str:
        """The cleaned field; `plain` also strips tags and entities (features only)."""
        if not value:
            return ""
        text = value[: limit * RAW_FACTOR]
        if plain and "<" in text:
            text = _TAG.sub(" ", text)
        if plain and "&" in text:
            text = html.unescape(text)
        if not text.isprintable():  # every character _CONTROL removes is unprintable
            text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
        if "(" in text or "（" in text:
            text = _PINYIN.sub("", text)
        if self._traditional.search(text):
            text = self._t2s.convert(text)
        if "、" in text and ("、," in text or "、，" in text or ",、" in text or "，、" in text):
            text = _CONVERTER_PUNCT.sub("、", text)  # "、" is common; its converter pairs rare
        if "  " in text or "\t" in text or "\u00a0" in text or "\u3000" in text:
            text = _SPACES.sub(" ", text)
        if text.count("\n") >= 2:
            text = _BLANK_LINES.sub("\n", text)
        return text.strip()[:limit]

    def text(self, value: str | None, plain: bool = False) -> str:
        return self.clean(value, self.max_text, plain)

    def title(self, value: str | None, plain: bool = False) -> str:
        return self.clean(value, self.max_title, plain).replace("\n", " ")

    def author(self, value: str | None) -> str | None:
        if value is None:
            return None
        return self.clean(value, MAX_AUTHOR_CHARS).replace("\n", " ")
