"""The bus: pick the backend from settings (`sqlite`, or `kafka://HOST:PORT[,…]`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.bus.base import Bus, BusError, Consumer, Message, Producer

if TYPE_CHECKING:
    from pipeline.config import Settings

__all__ = ["Bus", "BusError", "Consumer", "Message", "Producer", "open_bus", "bus_from_url"]


def bus_from_url(url: str, data_dir=None, session_timeout_ms: int = 10_000) -> Bus:
    if url == "sqlite" or url.startswith("sqlite:"):
        from pipeline.bus.local import SqliteBus

        path = url[len("sqlite:") :] if url.startswith("sqlite:") else None
        if not path:
            if data_dir is None:
                raise BusError("the sqlite bus needs a data folder")
            path = f"{data_dir}/bus.sqlite"
        return SqliteBus(path)
    if url.startswith("kafka://"):
        from pipeline.bus.kafka import KafkaBus

        return KafkaBus(url[len("kafka://") :], session_timeout_ms=session_timeout_ms)
    raise BusError(f"unknown bus {url!r}: expected 'sqlite' or 'kafka://HOST:PORT'")


def open_bus(settings: Settings) -> Bus:
    """The configured bus, with every declared topic created."""
    from pipeline.topics import ALL_TOPICS

    bus = bus_from_url(settings.bus, settings.data_dir, settings.kafka_session_timeout_ms)
    bus.ensure_topics(ALL_TOPICS)
    return bus
