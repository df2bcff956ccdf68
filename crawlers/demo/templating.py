"""Page templates of the demo sites: `string.Template` files, every value HTML-escaped.

Values are escaped here, once, so text a user typed (even `<script>`) is shown as text.
Values already rendered as HTML are passed wrapped in `Markup`.
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from string import Template

TEMPLATE_DIR = Path(__file__).parent / "templates"


class Markup(str):
    """HTML produced by the renderer itself: inserted without escaping."""


def escape(value: object) -> str:
    return value if isinstance(value, Markup) else html.escape(str(value), quote=True)


@cache
def _template(name: str) -> Template:
    return Template((TEMPLATE_DIR / name).read_text(encoding="utf-8"))


def render(name: str, **values: object) -> Markup:
    """Fill the template `name`; every placeholder must be given (a typo fails loudly)."""
    return Markup(_template(name).substitute({k: escape(v) for k, v in values.items()}))


def paragraphs_html(lines: list[str], tag: str = "p", style: str = "") -> Markup:
    attr = f' style="{escape(style)}"' if style else ""
    return Markup("\n".join(f"<{tag}{attr}>{escape(line)}</{tag}>" for line in lines))


def lines_html(lines: list[str]) -> Markup:
    """Lines joined by <br> (how a forum editor stores a post)."""
    return Markup("<br />\n".join(escape(line) for line in lines))


def pager(
    current: int, pages: int, href, prev_label: str, next_label: str, next_class: str
) -> Markup:
    """Numbered page links; `href(n)` gives page n's URL (pages are 1-based)."""
    if pages <= 1:
        return Markup("")
    parts = []
    if current > 1:
        parts.append(f'<a class="prev" href="{escape(href(current - 1))}">{prev_label}</a>')
    for n in range(1, pages + 1):
        if n == current:
            parts.append(f"<strong>{n}</strong>")
        else:
            parts.append(f'<a href="{escape(href(n))}">{n}</a>')
    if current < pages:
        parts.append(f'<a class="{next_class}" href="{escape(href(current + 1))}">{next_label}</a>')
    return Markup(" ".join(parts))
