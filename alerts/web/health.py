"""Is the backend there? The store and the bus, each checked cheaply and cached a few seconds,
for `GET /api/health` (no login: only booleans and the time) and the banner every page shows
when the bus is down (issue #11: a 30 s outage must not look like a dead dashboard).

The web process holds no bus of its own: one is built lazily from the config without creating
topics, and checked with a TCP connect (Kafka) or a read of the log file (SQLite).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from pipeline.bus import Bus, BusError, bus_from_url
from pipeline.config import Settings
from pipeline.redact import redact
from pipeline.storage.base import StoreError, Stores

log = logging.getLogger(__name__)
router = APIRouter()
CACHE_SECONDS = 3.0
CHECK_TIMEOUT_S = 1.5
HEALTH_NAMESPACE = "web"
HEALTH_KEY = "health_probe"


class CachedCheck:
    """A yes/no check run at most once per `ttl` seconds (one caller at a time)."""

    def __init__(self, check: Callable[[], bool | None], ttl: float = CACHE_SECONDS):
        self.check, self.ttl = check, ttl
        self._lock = threading.Lock()
        self._at = float("-inf")
        self._value: bool | None = None

    def __call__(self) -> bool | None:
        with self._lock:
            if time.monotonic() - self._at >= self.ttl:
                self._value = self.check()
                self._at = time.monotonic()
            return self._value

    def forget(self) -> None:
        with self._lock:
            self._at = float("-inf")


class Health:
    """The store's and the bus's reachability, cached."""

    def __init__(self, settings: Settings, stores: Stores):
        self.settings, self.stores = settings, stores
        self._bus: Bus | None = None
        self.store_ok = CachedCheck(self._check_store)
        self.bus_ok = CachedCheck(self._check_bus)

    def _check_store(self) -> bool:
        try:
            self.stores.state.get(HEALTH_NAMESPACE, HEALTH_KEY)
        except StoreError as exc:
            log.warning("store unreachable: %s", redact(exc))
            return False
        return True

    def _check_bus(self) -> bool | None:
        """True / False; None when there is no bus to check (no SQLite log written yet)."""
        url = self.settings.bus
        try:
            if url.startswith("kafka://"):
                if self._bus is None:
                    self._bus = bus_from_url(url, self.settings.data_dir)
                    self._bus.options["bootstrap_timeout_ms"] = int(CHECK_TIMEOUT_S * 1000)
                self._bus.check_reachable()  # type: ignore[attr-defined]
                return True
            return _sqlite_log_readable(self._sqlite_path(url))
        except BusError as exc:
            log.warning("bus unreachable: %s", redact(exc))
            return False

    def _sqlite_path(self, url: str) -> Path:
        given = url[len("sqlite:") :] if url.startswith("sqlite:") else ""
        return Path(given) if given else self.settings.bus_path

    def bus_down(self) -> bool:
        """True only when the bus is known to be unreachable (the banner's condition)."""
        return self.bus_ok() is False

    def close(self) -> None:
        if self._bus is not None:
            self._bus.close()


def _sqlite_log_readable(path: Path) -> bool | None:
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=CHECK_TIMEOUT_S)
        try:
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        log.warning("bus log %s unreadable: %s", path, exc)
        return False
    return True


@router.get("/api/health")
def health(request: Request) -> JSONResponse:
    """No login needed; nothing but booleans (null: not checked) and the server's time."""
    web = request.app.state.web
    body = {
        "ok": web.health.store_ok() is True and web.health.bus_ok() is not False,
        "store": web.health.store_ok(),
        "bus": web.health.bus_ok(),
        "time": web.clock().isoformat(timespec="seconds"),
    }
    return JSONResponse(body, status_code=200 if body["store"] else 503)
