"""Storage interfaces: items, cases, findings, and a small key-value state store.

SQLite implements them for one machine, Elasticsearch for a city; both pass the contract
suite in tests/contracts/test_store_contract.py. Every write is idempotent by id so a
replayed batch never doubles anything.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from pipeline.models import Case, Finding, ScoredItem, parse_time

Tokenizer = Callable[[str], list[str]]
OPEN_STATUSES = ("new", "confirmed", "acknowledged", "verifying", "responded", "watching")
NEVER = "~"  # the wake key of a case no tick needs to look at (sorts after every time)


def wake_key(case: Case) -> str:
    """The case's place in the tick's queue, as a sortable UTC string: "" (due now) while its
    next check is not computed yet, NEVER when it has none or the case is not open."""
    if case.status not in OPEN_STATUSES or case.next_check_at == "":
        return NEVER
    return "" if case.next_check_at is None else time_key(case.next_check_at)


def lean_copy(case: Case) -> Case:
    """`case` without its evidence ids, as `CaseStore.get_lean` reads it (a copy)."""
    out = case.model_copy(update={"items": []})
    out._items_before = case.n_items
    return out


def time_key(value: str) -> str:
    """An ISO time as a sortable UTC string (the same format as the SQLite store's keys)."""
    return parse_time(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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
    def put_many(self, items: Sequence[ScoredItem], encoded: Sequence[str] | None = None) -> None:
        """Insert or replace by id; durable when it returns. get/get_many (and this store's
        own searches) see the items at once; another process's searches after `refresh`.
        `encoded[i]`, when given, is `items[i].to_json()` already made by the caller (the
        classify stage encodes each item once, for the store and the bus)."""

    @abstractmethod
    def get(self, item_id: str) -> ScoredItem | None: ...

    @abstractmethod
    def get_many(self, item_ids: Iterable[str]) -> list[ScoredItem]: ...

    @abstractmethod
    def search(self, query: ItemQuery) -> list[ScoredItem]:
        """Newest first (crawled_at); `text` is full-text over title and text."""

    @abstractmethod
    def count(self, query: ItemQuery | None = None) -> int: ...

    def refresh(self) -> None:
        """Make every process's earlier writes visible to this store's searches (search,
        count): for a reader that must see items another process just wrote, e.g. the earlier
        items of an event when its case opens. Cheap, but not per item: once per batch."""
        return None


class CaseStore(ABC):
    @abstractmethod
    def get(self, case_id: str) -> Case | None: ...

    @abstractmethod
    def create(self, case: Case) -> bool:
        """Store a new case; False (and nothing written) if the case id already exists."""

    @abstractmethod
    def update(self, case: Case) -> Case:
        """Write `case` if the stored version still equals `case.version`; returns the stored
        case with its version incremented. Raises ConflictError otherwise.

        A lean case (`get_lean`) keeps the stored evidence ids and appends its `items` to
        them (the version check proves the stored ids are the ones it was read with); it
        comes back lean, those items counted in. A whole case's `items` replace the stored
        ones (a backend appends when they extend them)."""

    def get_lean(self, case_id: str) -> Case | None:
        """The case without its evidence ids (`Case.lean`, `n_items` still counts them):
        what a writer that only adds ids needs, at a cost that does not grow with them
        (issue #11: a viral case holds 100,000s). A backend reads it without the ids."""
        case = self.get(case_id)
        return lean_copy(case) if case is not None else None

    def has_items(self, case_id: str, ids: Collection[str]) -> set[str]:
        """Which of `ids` are evidence ids of the stored case: how a writer holding the case
        lean keeps an id from being added twice (a replay). A backend looks them up."""
        case = self.get(case_id)
        return set(ids).intersection(case.items) if case is not None else set()

    @abstractmethod
    def list(self, query: CaseQuery | None = None) -> list[Case]: ...

    def version_of(self, case_id: str) -> int | None:
        """The stored version of a case (None: no such case): lets a reader keep a case it
        already holds instead of reading and parsing it again. A backend does it cheaply."""
        case = self.get(case_id)
        return case.version if case is not None else None

    def list_due(
        self, now: str, limit: int = 500, after: tuple[str, str] | None = None, lean: bool = False
    ) -> list[Case]:
        """Open cases whose next check (`wake_key`) is at or before `now` (ISO 8601), in
        (wake key, case id) order, the page after `after`: what the clock tick looks at.
        `lean`: without their evidence ids (as get_lean)."""
        cut = time_key(now)
        cases = self.list(CaseQuery(open_only=True, limit=1_000_000))
        due = sorted((wake_key(c), c.case_id, c) for c in cases if wake_key(c) <= cut)
        page = [c for key, cid, c in due if after is None or (key, cid) > after][:limit]
        return [lean_copy(c) for c in page] if lean else page

    def refresh(self) -> None:
        """Make this store's writes visible to searches (list, list_due) of every process:
        called once per batch before its input is committed. Writes are read back by id at
        once in any case; a backend whose searches see them at once does nothing here."""
        return None

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

    def sweep_expired(self, now: float | None = None) -> int:
        """Purges some expired keys, a bounded amount of work, so that a stage can call it
        now and then and the time-windowed state stays bounded (expired keys are invisible
        already). A backend whose `purge_expired` is cheap (an indexed range) just calls it."""
        return self.purge_expired(now)


@dataclass
class Stores:
    """The stores of one deployment, as built from config."""

    items: ItemStore
    cases: CaseStore
    findings: FindingStore
    state: StateStore
    url: str = ""
    closers: list[Callable[[], None]] = field(default_factory=list)
    ping: Callable[[], None] | None = None  # raises StoreError while a remote store is away

    def check_reachable(self) -> None:
        if self.ping is not None:
            self.ping()

    def close(self) -> None:
        for close in self.closers:
            close()
