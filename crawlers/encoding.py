"""Decoding crawled bytes: the declared charset when it fits, else detection (charset-normalizer).

Chinese sites often declare the wrong charset (a GBK page saying utf-8 or iso-8859-1). Valid
UTF-8 wins over any declaration; a declared multi-byte codec is trusted only when it decodes
strictly; otherwise charset-normalizer guesses among the codecs Chinese sites actually use.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.I)
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030"}
_CJK_CODECS = ["gb18030", "big5", "utf_16", "shift_jis", "euc_kr"]
_SINGLE_BYTE = re.compile(r"^(?:latin_?1|iso8859|cp125|windows_125|ascii|us_ascii|cp437)")


def normalise_codec(name: str | None) -> str | None:
    """A codec name Python knows, GBK-family names widened to GB18030; None if unknown."""
    if not name:
        return None
    name = _ALIASES.get(name.strip().lower(), name.strip().lower())
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_charset(body: bytes, content_type: str = "") -> str | None:
    """The charset the HTTP header, else the page's <meta> or XML prolog, declares."""
    if m := _HEADER_CHARSET.search(content_type or ""):
        return normalise_codec(m.group(1))
    head = body[:4096]
    m = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return normalise_codec(m.group(1).decode("ascii")) if m else None


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_page(body: bytes, content_type: str = "", forced: str | None = None) -> tuple[str, str]:
    """(text, codec used). Never raises: undecodable bytes become U+FFFD."""
    if forced and (codec := normalise_codec(forced)):
        return body.decode(codec, errors="replace"), codec
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", errors="replace"), "utf-8"
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return body.decode("utf-16", errors="replace"), "utf-16"
    if (text := _strict(body, "utf-8")) is not None:
        return text, "utf-8"
    declared = declared_charset(body, content_type)
    trusted = declared and declared != "utf-8" and not _SINGLE_BYTE.match(declared)
    if trusted and (text := _strict(body, declared)) is not None:
        return text, declared
    best = from_bytes(body[:200_000], cp_isolation=_CJK_CODECS).best()
    codec = normalise_codec(best.encoding) if best is not None else None
    codec = codec or "gb18030"
    return body.decode(codec, errors="replace"), codec
