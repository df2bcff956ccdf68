"""Hostile inputs for the fuzz tests: markup, bytes in wrong charsets, control characters,
mixed scripts, and personal data with valid check digits."""

from __future__ import annotations

from hypothesis import strategies as st

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

CONTROL = st.sampled_from(
    ["\x00", "\x07", "\x08", "\x0b", "\x1b[31m", "\x7f", "\x85", "\u202e", "\u2066", "\ufeff",
     "\u200b", "\r", "\t"]
)  # fmt: skip
SURROGATE = st.sampled_from(["\ud800", "\udfff", "\udc80"])
CHINESE = st.sampled_from(
    [
        "定安县",
        "龙湖镇",
        "停水三天",
        "村民反映",
        "網站",
        "网(wǎng)站",
        "。",
        "，",
        "！！",
        "水库决堤",
    ]
)
SCRIPTS = st.sampled_from(
    ["Dingan", "ティンアン", "정안", "Динъань", "دينغآن", "😀🔥", "𠀀𠀁", "ä", "&nbsp;", "&#0;",
     "&lt;script&gt;", "\\u0000"]
)  # fmt: skip
TAGS = st.sampled_from(
    ["p", "div", "span", "table", "tr", "td", "li", "script", "style", "html", "body", "head",
     "title", "br", "b", "iframe", "svg", "math", "template", "noscript"]
)  # fmt: skip
TEXT_PIECE = st.one_of(CHINESE, SCRIPTS, CONTROL, st.text(max_size=20))
# Text from JSON may hold lone surrogates ("\ud800" is a valid JSON escape); not storable.
HOSTILE_TEXT = st.lists(st.one_of(TEXT_PIECE, SURROGATE), max_size=30).map("".join)
STORABLE_TEXT = st.lists(TEXT_PIECE, max_size=30).map("".join)


@st.composite
def html_tree(draw, depth: int = 4, text: st.SearchStrategy[str] | None = None) -> str:
    """Random (often malformed) markup: nested tags, unclosed tags, stray closers, comments."""
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 5))
        if kind == 0 and depth > 0:
            tag = draw(TAGS)
            attrs = draw(st.sampled_from(["", ' class="x"', " onclick='a<b'", ' charset="gbk"']))
            inner = draw(html_tree(depth=depth - 1, text=text))
            close = draw(st.sampled_from([f"</{tag}>", "", "</div>"]))
            parts.append(f"<{tag}{attrs}>{inner}{close}")
        elif kind == 1:
            parts.append(draw(st.sampled_from(["<!--", "-->", "<![CDATA[", "]]>", "<?x ?>",
                                               "<!DOCTYPE html>", "<", ">", "</"])))  # fmt: skip
        else:
            parts.append(draw(text if text is not None else HOSTILE_TEXT))
    return "".join(parts)


def nested(depth: int, tag: str = "div") -> str:
    return f"<{tag}>" * depth + "定安县停水" + f"</{tag}>" * depth


ENCODINGS = st.sampled_from(["utf-8", "gbk", "gb18030", "big5", "utf-16", "latin-1", "shift_jis"])
DECLARED = st.sampled_from(["utf-8", "gbk", "iso-8859-1", "big5", "nonsense", "utf-16", ""])


@st.composite
def page_bytes(draw) -> bytes:
    """A page encoded in one charset, declaring another (or none), maybe with junk bytes."""
    body = draw(html_tree())
    declared = draw(DECLARED)
    head = f'<meta charset="{declared}">' if declared else ""
    raw = f"<html><head>{head}</head><body>{body}</body></html>".encode(
        draw(ENCODINGS), errors="replace"
    )
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(raw)))
        raw = raw[:cut] + draw(st.binary(max_size=64)) + raw[cut:]
    return raw


def id_number(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return first17 + _ID_CHECK[total % 11]


@st.composite
def resident_id(draw) -> str:
    """An 18-digit resident ID number with a valid GB 11643 check digit."""
    region = draw(st.integers(110000, 659999))
    year = draw(st.integers(1930, 2019))
    month, day = draw(st.integers(1, 12)), draw(st.integers(1, 28))
    seq = draw(st.integers(0, 999))
    return id_number(f"{region}{year}{month:02d}{day:02d}{seq:03d}")


@st.composite
def mobile(draw) -> str:
    digits = f"1{draw(st.sampled_from('3456789'))}{draw(st.integers(0, 999_999_999)):09d}"
    style = draw(st.integers(0, 2))
    if style == 1:
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    if style == 2:
        return f"+86-{digits}"
    return digits


def luhn_complete(partial: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(partial)):
        n = int(ch)
        if i % 2 == 0:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return partial + str((10 - total % 10) % 10)


@st.composite
def bank_card(draw) -> str:
    """A 16- or 19-digit card number (UnionPay prefix 62) passing the Luhn check."""
    length = draw(st.sampled_from([16, 19]))
    body = "62" + "".join(str(draw(st.integers(0, 9))) for _ in range(length - 3))
    return luhn_complete(body)
