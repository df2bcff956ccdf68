"""The cleaner: crawled HTML or text → main text in simplified characters, without noise.

trafilatura finds the main text (readability-lxml when it finds nothing), OpenCC converts
traditional to simplified, and crawlers.noise repairs converter noise and drops boilerplate,
table residue and metadata blocks (kept aside in `metadata`). Content is only ever text here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

import lxml.html
import opencc
import trafilatura

from crawlers import noise
from crawlers.encoding import decode_page

# A longer page is cut before extraction (about 5 s per MB otherwise), and so is a page of
# more tags (deeply nested unclosed tags cost the extractors far more per byte); the result
# then carries the warning "truncated".
MAX_PAGE_CHARS = 2_000_000
MAX_PAGE_TAGS = 20_000
_PARSE_ERRORS = (ValueError, AssertionError, lxml.etree.ParserError, lxml.etree.LxmlError)

_ELEMENT = re.compile(r"<[A-Za-z]")
# trafilatura unescapes its text once more after parsing, so a user's typed "&lt;b&gt;" (in the
# page: "&amp;lt;b&amp;gt;") would come out as "<b>". An escaped "&" is carried through it as
# U+FFFC (the object replacement character, which trafilatura keeps) and put back after.
_ESCAPED_AMP = re.compile(r"&(?:amp|#0*38|#x0*26);", re.I)
_AMP_MARK = "\ufffc"
_BLOCK_TAGS = ("p", "div", "li", "tr", "h1", "h2", "h3", "h4", "table", "blockquote", "section")


@dataclass
class CleanResult:
    text: str
    title: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    # What a person should know about the page itself, e.g. "seo_spam" (a defaced page).
    warnings: list[str] = field(default_factory=list)


@cache
def _trafilatura_config():
    """trafilatura's defaults, but short texts (a post, a letter, a brief notice) are kept
    instead of falling back to the whole page's text."""
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "20")
    config.set("DEFAULT", "MIN_OUTPUT_SIZE", "10")
    return config


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _converter().convert(text)


def decode_html(raw: bytes | str) -> str:
    """Bytes → str: valid UTF-8, else the declared charset if it fits, else detection;
    control characters, lone surrogates and bidi overrides removed (lxml refuses some)."""
    text = raw if isinstance(raw, str) else decode_page(raw)[0]
    return noise.strip_controls(text)


def clean_text(text: str) -> CleanResult:
    """Clean already-extracted text (a crawled .txt, a post body)."""
    text = noise.strip_controls(text.replace("\r\n", "\n").replace("\r", "\n"))
    text = to_simplified(text)
    text = noise.fix_punctuation(noise.fix_pinyin_annotations(text))
    lines: list[str] = []
    metadata: dict[str, str] = {}
    warnings: list[str] = []
    for raw_line in text.split("\n"):
        line = noise.normalise_spaces(raw_line)
        if not line:
            continue
        if noise.is_seo_spam(line):
            if "seo_spam" not in warnings:
                warnings.append("seo_spam")
            continue
        if noise.is_metadata_line(line):
            for key, value in noise.parse_metadata(line).items():
                metadata.setdefault(key, value)
            continue
        line = noise.strip_table_residue(line)
        if not line or noise.is_boilerplate(line) or noise.is_breadcrumb(line):
            continue
        lines.append(line)
    return CleanResult("\n".join(lines).strip(), "", metadata, warnings)


def clean_title(title: str) -> str:
    """A page or thread title: simplified, converter noise repaired, one line."""
    title = to_simplified(noise.strip_controls(title or ""))
    title = noise.fix_punctuation(noise.fix_pinyin_annotations(title))
    return noise.normalise_spaces(" ".join(title.split()))


def fragment_text(fragment_html: str) -> str:
    """Visible text of an HTML fragment with its line breaks (<br>, blocks) kept as newlines.

    Entities are decoded, so "&lt;script&gt;" a user typed becomes the text "<script>"."""
    root = _fragment_root(noise.strip_controls(fragment_html or ""))
    for bad in root.xpath(".//script|.//style|.//noscript"):
        bad.drop_tree()
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for block in root.iter(*_BLOCK_TAGS):
        block.tail = "\n" + (block.tail or "")
    return root.text_content()


def _fragment_root(fragment_html: str) -> lxml.html.HtmlElement:
    """The fragment under one <div>; a whole document (`<html></html>`) is read as one, and
    what lxml cannot parse at all is an empty div."""
    try:
        return lxml.html.fragment_fromstring(fragment_html or "<div></div>", create_parent="div")
    except _PARSE_ERRORS:
        pass
    try:
        doc = lxml.html.document_fromstring(fragment_html)
        return doc.body if doc.find("body") is not None else doc
    except _PARSE_ERRORS:
        return lxml.html.fragment_fromstring("<div></div>")


def clean_fragment(fragment_html: str) -> CleanResult:
    """Clean the HTML of an element a spider selected (a post body, an article div)."""
    return clean_text(fragment_text(fragment_html))


def page_warnings(html: bytes | str) -> list[str]:
    """What is wrong with the page itself, whatever its main text: e.g. injected SEO spam."""
    page = decode_html(html)
    try:
        text = lxml.html.document_fromstring(page).text_content() if page.strip() else ""
    except _PARSE_ERRORS:
        text = page
    lines = to_simplified(text).splitlines()
    return ["seo_spam"] if any(noise.is_seo_spam(line) for line in lines) else []


def _readability_text(html: str) -> tuple[str, str]:
    from readability import Document
    from readability.readability import Unparseable

    if not _ELEMENT.search(html):  # a comment, a PI, CDATA: readability would log a traceback
        return "", ""
    try:
        doc = Document(html)
        return fragment_text(doc.summary(html_partial=True)), doc.short_title()
    except (Unparseable, *_PARSE_ERRORS):  # a comment, a PI, CDATA only: no document
        return "", ""


def _page_metadata(html: str) -> dict[str, str]:
    """The metadata block of a portal page (索引号 …), read from the whole page's text."""
    try:
        root = lxml.html.document_fromstring(html)
    except _PARSE_ERRORS:
        return {}
    for cell in root.iter("th", "td"):
        cell.tail = " " + (cell.tail or "")
    return clean_text(fragment_text(lxml.html.tostring(root, encoding="unicode"))).metadata


def _bounded(page: str) -> tuple[str, bool]:
    """The page cut to MAX_PAGE_CHARS characters and MAX_PAGE_TAGS tags; whether it was cut."""
    cut = len(page) > MAX_PAGE_CHARS
    page = page[:MAX_PAGE_CHARS]
    pos = -1
    for _ in range(MAX_PAGE_TAGS):
        pos = page.find("<", pos + 1)
        if pos < 0:
            return page, cut
    return page[:pos], True


def clean_html(html: bytes | str, url: str = "") -> CleanResult:
    """Main text, title and metadata block of a crawled page. Markup a user typed (escaped in
    the page: "&lt;script&gt;") stays text; only the page's own tags are removed."""
    page = decode_html(html)
    if not page.strip():
        return CleanResult("")
    page, truncated = _bounded(page)
    protect = _AMP_MARK not in page  # (a page that has U+FFFC itself is read as it is)
    marked = _ESCAPED_AMP.sub(_AMP_MARK, page) if protect else page
    unmark = "&" if protect else _AMP_MARK
    doc = trafilatura.bare_extraction(
        marked,
        url=url or None,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        config=_trafilatura_config(),
    )
    text = (doc.text or "") if doc is not None else ""
    title = (doc.title or "") if doc is not None else ""
    if not text.strip():
        text, fallback_title = _readability_text(marked)
        title = title or fallback_title
    result = clean_text(text.replace(_AMP_MARK, unmark))
    result.title = clean_title(title.replace(_AMP_MARK, unmark))
    page_meta = _page_metadata(page)
    result.metadata = {**page_meta, **result.metadata}
    extra = ["truncated"] if truncated else []
    result.warnings = sorted({*result.warnings, *page_warnings(page), *extra})
    return result
