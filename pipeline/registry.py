"""Find components by name: "package.module:Attribute" strings from config and entry points.

The kernel never imports a stage, classifier or channel directly; config names them.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any

from pipeline.config import ConfigError


def load_object(path: str, where: str = "config") -> Any:
    """Import "package.module:Name" (or "package.module.Name") and return the object."""
    module_name, sep, attr = path.partition(":")
    if not sep:
        module_name, _, attr = path.rpartition(".")
    if not module_name or not attr:
        raise ConfigError(f"{where}: {path!r} is not of the form 'package.module:Name'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"{where}: cannot import {module_name!r} for {path!r}: {exc}") from exc
    try:
        obj = module
        for part in attr.split("."):
            obj = getattr(obj, part)
    except AttributeError:
        raise ConfigError(f"{where}: module {module_name!r} has no {attr!r}") from None
    return obj


def plugins(group: str) -> dict[str, Any]:
    """Entry points of a group (e.g. "yuqing.commands"), loaded, by name."""
    return {ep.name: ep for ep in entry_points(group=group)}
