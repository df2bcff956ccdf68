"""Spiders, one module per source kind; found by name (`spider: forum` → crawlers.spiders.forum).

A new kind is one new module here with a `SourceSpider` subclass whose `name` is the kind,
plus its test; nothing is registered centrally.
"""

from __future__ import annotations

import importlib
import inspect

from crawlers.spiders.base import SourceSpider
from pipeline.config import ConfigError


def spider_class(kind: str) -> type[SourceSpider]:
    """The SourceSpider subclass of crawlers.spiders.<kind> whose name is `kind`."""
    try:
        module = importlib.import_module(f"{__name__}.{kind}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{kind}":
            raise
        raise ConfigError(f"no spider kind {kind!r} (no module crawlers.spiders.{kind})") from None
    for _, obj in inspect.getmembers(module, inspect.isclass):
        if issubclass(obj, SourceSpider) and obj is not SourceSpider and obj.name == kind:
            return obj
    raise ConfigError(f"crawlers.spiders.{kind} defines no SourceSpider named {kind!r}")


__all__ = ["SourceSpider", "spider_class"]
