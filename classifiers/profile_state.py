"""One jurisdiction profile's own corner of the shared StateStore (multi-county deployments).

The event index (item → event, MinHash bands, anchor keys) is per profile: the same words
about two counties' towns are two events. `ProfileState` prefixes every namespace with the
profile's name (`tunchang/event_index`), so EventIndex runs unchanged on top of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipeline.storage.base import StateStore


class ProfileState(StateStore):
    """A StateStore whose namespaces are the profile's own (`tunchang/event_index`)."""

    def __init__(self, inner: StateStore, profile: str):
        self.inner = inner
        self.prefix = f"{profile}/"

    def get(self, namespace: str, key: str) -> Any | None:
        return self.inner.get(self.prefix + namespace, key)

    def put(self, namespace: str, key: str, value: Any, expires_at: float | None = None) -> None:
        self.inner.put(self.prefix + namespace, key, value, expires_at)

    def put_if_absent(
        self, namespace: str, key: str, value: Any, expires_at: float | None = None
    ) -> Any:
        return self.inner.put_if_absent(self.prefix + namespace, key, value, expires_at)

    def get_many(self, namespace: str, keys: Sequence[str]) -> dict[str, Any]:
        return self.inner.get_many(self.prefix + namespace, keys)

    def put_many_if_absent(
        self, namespace: str, entries: dict[str, Any], expires_at: float | None = None
    ) -> dict[str, Any]:
        return self.inner.put_many_if_absent(self.prefix + namespace, entries, expires_at)

    def delete(self, namespace: str, key: str) -> None:
        self.inner.delete(self.prefix + namespace, key)

    def scan(self, namespace: str, prefix: str = "", limit: int = 10_000) -> list[tuple[str, Any]]:
        return self.inner.scan(self.prefix + namespace, prefix, limit)

    def purge_expired(self, now: float | None = None) -> int:
        return self.inner.purge_expired(now)

    def sweep_expired(self, now: float | None = None) -> int:
        return self.inner.sweep_expired(now)
