"""The dashboard's stores when they may be away at startup (issue #11): `yuqing web` must come
up with Elasticsearch (or the SQLite data folder) unavailable, answer 503 with the outage page,
and start working once the backend is back — without a restart.

`StoreLink` opens the stores on first use; while they cannot be opened every use raises
StoreError (outage.py turns it into the 503 page), and a new attempt is made at most every
`retry_s` seconds so a page load during an outage does not wait on a connect each time.
`deferred_stores` gives a `Stores` whose parts forward to the link, so the rest of the web
code holds them as usual.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from pipeline.config import Settings
from pipeline.redact import redact
from pipeline.storage import open_stores
from pipeline.storage.base import StoreError, Stores

log = logging.getLogger(__name__)
RETRY_S = 2.0
PARTS = ("items", "cases", "findings", "state")


class StoreLink:
    """Opens the stores once they can be opened; remembers a failure for `retry_s`."""

    def __init__(
        self,
        settings: Settings,
        opener: Callable[[Settings], Stores] = open_stores,
        retry_s: float = RETRY_S,
    ):
        self.settings, self.opener, self.retry_s = settings, opener, retry_s
        self._lock = threading.Lock()
        self._stores: Stores | None = None
        self._failed_at = float("-inf")
        self._error: StoreError | None = None
        self._closed = False

    def get(self) -> Stores:
        """The open stores; StoreError while they cannot be opened."""
        stores = self._stores
        if stores is not None:
            return stores
        with self._lock:
            if self._stores is not None:
                return self._stores
            if self._closed:
                raise StoreError("the dashboard is shutting down")
            if self._error is not None and time.monotonic() - self._failed_at < self.retry_s:
                raise self._error
            try:
                self._stores = self.opener(self.settings)
            except StoreError as exc:
                self._error, self._failed_at = exc, time.monotonic()
                log.warning("store unavailable, retrying on use: %s", redact(exc))
                raise
            except OSError as exc:  # e.g. the data folder's drive is not mounted
                error = StoreError(f"data folder {self.settings.data_dir}: {exc.strerror or exc}")
                self._error, self._failed_at = error, time.monotonic()
                log.warning("store unavailable, retrying on use: %s", redact(error))
                raise error from exc
            if self._error is not None:
                log.warning("store reachable again")
            self._error = None
            return self._stores

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._stores is not None:
                self._stores.close()
                self._stores = None


class _Part:
    """One store of the link (items, cases, findings or state): every attribute is the open
    store's, looked up on each use."""

    def __init__(self, link: StoreLink, part: str):
        self._link, self._part = link, part

    def __getattr__(self, name: str) -> Any:
        return getattr(getattr(self._link.get(), self._part), name)

    def __repr__(self) -> str:
        return f"<deferred {self._part} store>"


def deferred_stores(link: StoreLink) -> Stores:
    """A Stores whose parts open the real ones on first use (StoreError meanwhile)."""
    parts: dict[str, Any] = {name: _Part(link, name) for name in PARTS}
    return Stores(**parts, url=link.settings.store, closers=[link.close])
