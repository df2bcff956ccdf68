"""The cleaner on hostile pages: random markup, bytes in wrong charsets, binary, control
characters, lone surrogates, deep nesting and huge pages → a CleanResult of plain text, never
an exception, never a hang, and no control characters left in the stored text."""

from __future__ import annotations

import html
import re
import time

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from crawlers import noise
from crawlers.clean import (
    MAX_PAGE_CHARS,
    CleanResult,
    clean_fragment,
    clean_html,
    clean_text,
    clean_title,
    decode_html,
    page_warnings,
)
from crawlers.encoding import decode_page
from tests.fuzz.strategies import HOSTILE_TEXT, html_tree, nested, page_bytes

BAD_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]"
)


def assert_clean(result: CleanResult) -> None:
    assert isinstance(result, CleanResult)
    for value in (result.text, result.title, *result.metadata.values()):
        assert isinstance(value, str)
        assert not BAD_CHARS.search(value), repr(value[:200])
        value.encode("utf-8")  # storable: no lone surrogates
    assert all(isinstance(w, str) for w in result.warnings)


@settings(max_examples=60)
@given(html_tree(depth=5))
@example("<html></html>")
@example("<?php echo 1; ?>")
@example("<!-- only a comment -->")
@example("<![CDATA[x]]>")
@example("<p>\ud800定安</p>")
@example("<p>定安\x00县\x07龙湖镇\x1b[31m停水\u202e三天</p>")
def test_random_markup_gives_clean_text(markup: str) -> None:
    assert_clean(clean_html(markup))
    assert_clean(clean_fragment(markup))
    assert isinstance(page_warnings(markup), list)


@settings(max_examples=60)
@given(page_bytes())
@example(bytes(range(256)) * 20)
@example(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
@example(b"<meta charset='utf-8'><p>\xe5\xae\x9a\xff\xfe\xe5\xae</p>")
@example("<meta charset='utf-8'><p>定安县停水三天，村民反映问题。</p>".encode("gbk"))
def test_bytes_in_any_charset_never_break_the_cleaner(raw: bytes) -> None:
    text = decode_html(raw)
    assert not BAD_CHARS.search(text)
    assert_clean(clean_html(raw))


@settings(max_examples=40)
@given(st.binary(max_size=4096), st.sampled_from(["", "text/html; charset=gbk", "charset=x"]))
def test_decode_page_never_raises(raw: bytes, content_type: str) -> None:
    text, codec = decode_page(raw, content_type)
    assert isinstance(text, str) and codec


@settings(max_examples=80)
@given(HOSTILE_TEXT)
def test_text_and_title_cleaning(text: str) -> None:
    assert_clean(clean_text(text))
    title = clean_title(text)
    assert "\n" not in title and not BAD_CHARS.search(title)


@settings(max_examples=80)
@given(HOSTILE_TEXT)
def test_strip_controls_is_idempotent_and_keeps_chinese(text: str) -> None:
    once = noise.strip_controls(text)
    assert noise.strip_controls(once) == once
    assert not BAD_CHARS.search(once)
    assert [c for c in text if "\u4e00" <= c <= "\u9fff"] == [
        c for c in once if "\u4e00" <= c <= "\u9fff"
    ]


def test_gbk_page_declaring_utf8_is_read_as_gbk() -> None:
    raw = "<html><head><meta charset='utf-8'></head><body><p>定安县龙湖镇停水三天，村民反映问题。</p></body></html>"
    assert clean_html(raw.encode("gbk")).text == "定安县龙湖镇停水三天，村民反映问题。"


@pytest.mark.parametrize("tag", ["div", "b", "table"])
def test_deeply_nested_markup_is_fast(tag: str) -> None:
    start = time.perf_counter()
    for page in (nested(100), nested(5_000, tag), f"<p>{'<' + tag + '>' * 1}" * 20_000):
        assert_clean(clean_html(page))
        assert_clean(clean_fragment(page))
    assert time.perf_counter() - start < 20


def test_a_huge_page_is_cut_and_says_so() -> None:
    paragraph = "<p>定安县龙湖镇停水三天，村民反映。</p>"
    page = (
        "<html><body>" + paragraph * (MAX_PAGE_CHARS // len(paragraph) + 5_000) + "</body></html>"
    )
    start = time.perf_counter()
    result = clean_html(page)
    assert time.perf_counter() - start < 25
    assert "truncated" in result.warnings
    assert result.text.startswith("定安县龙湖镇停水三天，村民反映。")


TYPED_MARKUP = st.lists(
    st.sampled_from(
        ["<b>", "</b>", "<script>", "</script>", "<img src=x onerror=alert(1)>", "<!-- x -->",
         "&lt;", "&amp;", "&#38;", "a < b", "1<2", "x>y", "<<书名>>", "定安县", "停水", "x", " "]
    ),
    min_size=1,
    max_size=12,
).map("".join)  # fmt: skip


@settings(max_examples=60)
@given(st.sampled_from(["<b>", "</script>", "<p>", "&lt;"]), TYPED_MARKUP)
def test_markup_a_user_typed_comes_back_as_typed(tag: str, typed: str) -> None:
    """What a user typed, escaped into a page as a forum or CMS does, is the cleaned text."""
    line = " ".join((tag + typed).split())
    escaped = html.escape(line, quote=False)
    assert clean_fragment(f"<p>{escaped}</p><script>evil()</script>").text == line
    page = (
        "<html><head><title>帖子</title></head><body><article>"
        "<p>定安县龙湖镇停水三天，村民反映问题，希望有关部门尽快解决。</p>"
        f"<p>{escaped}</p><p>感谢各位的关注和支持，希望有关部门尽快回应。</p>"
        "</article></body></html>"
    )
    assert clean_html(page).text.splitlines()[1] == line
