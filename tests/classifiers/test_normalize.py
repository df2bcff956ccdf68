"""Normalisation removes what crawled pages leave behind and caps the length."""

from __future__ import annotations

from classifiers.normalize import TextNormalizer


def test_traditional_pinyin_html_control_and_converter_noise() -> None:
    n = TextNormalizer()
    raw = "<p>定安縣網(wǎng)站發(fā)佈</p>&nbsp;一,、明確\x07\u200b 很   好\r\n\r\n下一段<script>x()</script>"
    assert n.text(raw, plain=True) == "定安县网站发布 一、明确 很 好\n下一段"
    # stored form: the same cleaning, markup kept as the characters it is
    assert n.text(raw) == "<p>定安县网站发布</p>&nbsp;一、明确 很 好\n下一段<script>x()</script>"
    assert n.has_markup(raw, n.max_text) and not n.has_markup("定安县 很好", n.max_text)


def test_typed_markup_and_entities_are_kept_as_written() -> None:
    n = TextNormalizer()
    typed = "发了这段：<script>alert(1)</script> 看看，a < b && c &lt; d"
    assert n.text(typed) == typed and n.title(typed) == typed
    assert n.text(typed, plain=True) == "发了这段： 看看，a < b && c < d"
    assert n.author("<b>网友</b>") == "<b>网友</b>"


def test_length_cap_and_empty() -> None:
    n = TextNormalizer(max_text=100)
    assert len(n.text("字" * 1000)) == 100
    assert n.text(None) == "" and n.author(None) is None
