"""Storage interfaces: items, cases, findings, and a small key-value state store.

SQLite implements them for one machine, Elasticsearch for a city; both pass the contract
suite in tests/contracts/test_store_contract.py. Every write is idempotent by id so a
replayed batch never doubles anything.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.models import Case, Finding, ScoredItem

Tokenizer = Callable[[str], list[str]]


class StoreError(RuntimeError):
    """The store cannot do what was asked (unreachable, read-only, corrupt, …)."""


class RejectedError(ValueError):
    """The backend refuses this record for good (e.g. a mapping conflict). Not an outage:
    the runner dead-letters the record instead of retrying the batch forever."""


class ConflictError(StoreError):
    """An optimistic-concurrency write lost: someone changed the record since it was read."""


@dataclass
class ItemQuery:
    """Filters of the live feed and of searches; every field is optional."""

    text: str = ""
    profile: str | None = None
    categories: Sequence[str] = ()
    town: str | None = None  # jurisdiction code or name
    department: str | None = None  # department code
    source_type: str | None = None
    min_risk: int | None = None
    relevant: bool | None = None
    event_id: str | None = None
    since: str | None = None  # crawled_at >= since (ISO 8601)
    until: str | None = None
    limit: int = 50
    offset: int = 0


@dataclass
class CaseQuery:
    profile: str | None = None
    statuses: Sequence[str] = ()
    department: str | None = None  # lead or co
    event_id: str | None = None
    open_only: bool = False
    limit: int = 1000
    extra: dict[str, Any] = field(default_factory=dict)


class ItemStore(ABC):
    @abstractmethod
    def put_many(self, items: Sequence[ScoredItem]) -> None:
        """Insert or replace by id; durable when it returns."""

    @abstractmethod
    def get(self, item_id: str) -> ScoredItem | None: ...

    @abstractmethod
    def get_many(self, item_ids: Iterable[str]) -> list[ScoredItem]: ...

    @abstractmethod
    def search(self, query: ItemQuery) -> list[ScoredItem]:
        """Newest first (crawled_at); `text` is full-text over title and text."""

    @abstractmethod
    def count(self, query: ItemQuery | None = None) -> int: ...


class CaseStore(ABC):
    @abstractmethod
    def get(self, case_id: str) -> Case | None: ...

    @abstractmethod
    def create(self, case: Case) -> bool:
        """Store a new case; False (and nothing written) if the case id already exists."""

    @abstractmethod
    def update(self, case: Case) -> Case:
        """Write `case` if the stored version still equals `case.version`; returns the stored
        case with its version incremented. Raises ConflictError otherwise."""

    @abstractmethod
    def list(self, query: CaseQuery | None = None) -> list[Case]: ...

    def find_by_event(self, event_id: str) -> Case | None:
        found = self.list(CaseQuery(event_id=event_id, limit=1))
        return found[0] if found else None


class FindingStore(ABC):
    @abstractmethod
    def put(self, finding: Finding) -> None:
        """Insert or replace by finding_id."""

    @abstractmethod
    def list(self, kind: str | None = None, limit: int = 200) -> list[Finding]: ...


class StateStore(ABC):
    """Small shared state: seen URLs, the item → event index, the notification outbox.

    Values are JSON-able; `namespace` keeps users apart; `expires_at` (epoch seconds)
    lets time-windowed state stay bounded.
    """

    @abstractmethod
    def get(self, namespace: str, key: str) -> Any | None: ...

    @abstractmethod
    def put(
        self, namespace: str, key: str, value: Any, expires_at: float | None = None
    ) -> None: ...

    @abstractmethod
    def put_if_absent(
        self, namespace: str, key: str, value: Any, expires_at: float | None = None
    ) -> Any:
        """Store `value` unless the key exists; returns whichever value is stored now.
        Atomic across processes: two workers racing get the same answer."""

    def get_many(self, namespace: str, keys: Sequence[str]) -> dict[str, Any]:
        """The live values of the keys that exist (a backend may do it in one query)."""
        found = {}
        for key in keys:
            value = self.get(namespace, key)
            if value is not None:
                found[key] = value
        return found

    def put_many_if_absent(
        self, namespace: str, entries: dict[str, Any], expires_at: float | None = None
    ) -> dict[str, Any]:
        """put_if_absent for many keys (a backend may do it in one transaction); returns the
        value stored now for every key."""
        return {k: self.put_if_absent(namespace, k, v, expires_at) for k, v in entries.items()}

    @abstractmethod
    def delete(self, namespace: str, key: str) -> None: ...

    @abstractmethod
    def scan(
        self, namespace: str, prefix: str = "", limit: int = 10_000
    ) -> list[tuple[str, Any]]: ...

    @abstractmethod
    def purge_expired(self, now: float | None = None) -> int: ...


@dataclass
class Stores:
    """The stores of one deployment, as built from config."""

    items: ItemStore
    cases: CaseStore
    findings: FindingStore
    state: StateStore
    url: str = ""
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for close in self.closers:
            close()
