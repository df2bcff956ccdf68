"""Selector expressions of a sources file: CSS by default, XPath when it looks like XPath.

`div#zoom`, `a.next::attr(href)` are CSS; `//div[@id='zoom']`, `./p/text()`, `(//a)[1]` and
anything prefixed `xpath:` are XPath. One helper, so every spider kind accepts both.
"""

from __future__ import annotations

from typing import Any

from parsel import SelectorList

_XPATH_STARTS = ("/", "./", "(", "..")


def is_xpath(expr: str) -> bool:
    return expr.startswith("xpath:") or expr.lstrip().startswith(_XPATH_STARTS)


def select(node: Any, expr: str) -> SelectorList:
    """`node.css(expr)` or `node.xpath(expr)`; an empty expression selects nothing."""
    expr = (expr or "").strip()
    if not expr:
        return SelectorList([])
    if is_xpath(expr):
        return node.xpath(expr.removeprefix("xpath:").strip())
    return node.css(expr)


def first_text(node: Any, expr: str) -> str:
    """The first match as text (a text node, an attribute, or an element's visible text)."""
    found = select(node, expr)
    if not found:
        return ""
    value = found[0]
    text = value.get()
    if text.lstrip().startswith("<"):
        return " ".join(" ".join(value.xpath(".//text()").getall()).split())
    return " ".join(text.split())


def all_values(node: Any, expr: str) -> list[str]:
    return [v.strip() for v in select(node, expr).getall() if v.strip()]
