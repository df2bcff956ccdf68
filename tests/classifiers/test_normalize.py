"""Normalisation removes what crawled pages leave behind and caps the length."""

from __future__ import annotations

from classifiers.normalize import TextNormalizer


def test_traditional_pinyin_html_control_and_converter_noise() -> None:
    n = TextNormalizer()
    raw = "<p>定安縣網(wǎng)站發(fā)佈</p>&nbsp;一,、明確\x07\u200b 很   好\r\n\r\n下一段<script>x()</script>"
    assert n.text(raw) == "定安县网站发布 一、明确 很 好\n下一段"


def test_length_cap_and_empty() -> None:
    n = TextNormalizer(max_text=100)
    assert len(n.text("字" * 1000)) == 100
    assert n.text(None) == "" and n.author(None) is None
