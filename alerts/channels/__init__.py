"""Notification channels, found by name from config (`type: email`), one file each.

Adding a channel is one new module in this package with a `Channel` subclass that sets
`type_name` and its nested `Options`; `type: package.module:Class` loads one from elsewhere.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import Any

from pydantic import ValidationError

from alerts.channels.base import (
    Channel,
    ChannelError,
    PermanentChannelError,
    TransientChannelError,
)
from alerts.channels.message import ChannelMessage, Evidence, Line
from pipeline.config import ConfigError, describe_validation
from pipeline.registry import load_object

__all__ = [
    "Channel",
    "ChannelError",
    "ChannelMessage",
    "Evidence",
    "Line",
    "PermanentChannelError",
    "TransientChannelError",
    "build_channel",
    "channel_types",
]


@cache
def channel_types() -> dict[str, type[Channel]]:
    """Every Channel subclass of this package, by its `type_name`."""
    found: dict[str, type[Channel]] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Channel)
                and value.type_name
                and value.__module__ == module.__name__
            ):
                found[value.type_name] = value
    return found


def channel_class(type_name: str, where: str) -> type[Channel]:
    if ":" in type_name:
        cls = load_object(type_name, where)
        if not (isinstance(cls, type) and issubclass(cls, Channel)):
            raise ConfigError(f"{where}: {type_name} is not a Channel")
        return cls
    try:
        return channel_types()[type_name]
    except KeyError:
        known = ", ".join(sorted(channel_types()))
        raise ConfigError(f"{where}: unknown channel type {type_name!r} (known: {known})") from None


def build_channel(name: str, raw: dict[str, Any], where: str = "channels") -> Channel:
    """Build the channel `name` from its config mapping; errors name the key, never a value."""
    here = f"{where}.{name}"
    if not isinstance(raw, dict) or not raw.get("type"):
        raise ConfigError(f"{here}.type: required key is missing")
    cls = channel_class(str(raw["type"]), f"{here}.type")
    try:
        return cls.from_options(name, raw)
    except ValidationError as exc:
        raise ConfigError(describe_validation(exc, here)) from None
