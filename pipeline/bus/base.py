"""The bus interface: topics of keyed messages, consumer groups, at-least-once commits.

Two backends implement it (an embedded SQLite log and Kafka) and pass one contract suite
(tests/contracts/test_bus_contract.py). Stages see only this interface.
"""

from __future__ import annotations

import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pipeline.topics import Topic


class BusError(RuntimeError):
    """The bus cannot do what was asked (unreachable broker, unwritable log, …)."""


@dataclass(frozen=True)
class Message:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, bytes] = field(default_factory=dict)
    timestamp_ms: int = 0


def partition_for(key: bytes | None, partitions: int, fallback: int = 0) -> int:
    """Stable key → partition mapping for the embedded log (same key, same partition)."""
    if key is None:
        return fallback % partitions
    return zlib.crc32(key) % partitions


class Producer(ABC):
    @abstractmethod
    def send(
        self,
        topic: str,
        value: bytes,
        key: bytes | None = None,
        headers: dict[str, bytes] | None = None,
    ) -> None:
        """Queue a message; it is durable only after flush() returns."""

    @abstractmethod
    def flush(self) -> None:
        """Block until every queued message is durably written; raise BusError otherwise."""

    def close(self) -> None:
        self.flush()


class Consumer(ABC):
    """A member of a consumer group; partitions are shared among the group's live members."""

    @abstractmethod
    def poll(self, max_records: int = 500, timeout_s: float = 1.0) -> list[Message]:
        """Next messages after the group's committed (or this consumer's read) position."""

    @abstractmethod
    def commit(self, messages: Sequence[Message] | None = None) -> None:
        """Commit the positions after the given messages (default: all polled so far)."""

    @abstractmethod
    def close(self) -> None: ...

    def assignment(self) -> list[tuple[str, int]]:
        """The (topic, partition) pairs this member holds now."""
        return []

    def lag(self) -> int | None:
        """Messages of the subscribed topics after the group's committed positions, over
        every partition (not only this member's); None if the backend cannot tell."""
        return None

    @abstractmethod
    def seek_to_committed(self) -> None:
        """Forget uncommitted reads so the next poll resumes at the committed position."""


class Bus(ABC):
    """Factory for producers and consumers of one backend."""

    url: str = ""

    @abstractmethod
    def ensure_topics(self, topics: Iterable[Topic]) -> None:
        """Create the topics that do not exist yet (idempotent)."""

    @abstractmethod
    def producer(self) -> Producer: ...

    @abstractmethod
    def consumer(self, group: str, topics: Sequence[str]) -> Consumer: ...

    def enforce_retention(self, topics: Iterable[Topic]) -> int:
        """Drop messages older than each topic's retention; returns how many were dropped."""
        return 0

    def check_reachable(self) -> None:  # noqa: B027 - optional hook
        """Raise BusError when the bus cannot be reached now (a local bus always can)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        pass


def committed_positions(messages: Sequence[Message]) -> dict[tuple[str, int], int]:
    """The offset to commit per (topic, partition): one past the highest message seen."""
    positions: dict[tuple[str, int], int] = {}
    for m in messages:
        tp = (m.topic, m.partition)
        positions[tp] = max(positions.get(tp, 0), m.offset + 1)
    return positions
