"""Server-side sessions in the state store (namespace "sessions"), with an expiry, a per-session
CSRF token and one-shot flash messages; the cookie holds only the session id and its HMAC.

Server-side so a logout or an expiry really ends a session, and several web processes share
them. The signing key is the state store's own (created once) unless YUQING_WEB_SECRET is set.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from pipeline.storage.base import StateStore

NAMESPACE = "sessions"
KEY_NAMESPACE = "web"
COOKIE = "yuqing_session"
LOGIN_COOKIE = "yuqing_login"  # the pre-login CSRF token of the login form (double submit)
SESSION_SECONDS = 12 * 3600
FAILURES_NAMESPACE = "login_failures"
MAX_FAILURES = 5  # per user name within FAILURE_WINDOW; then logins wait
FAILURE_WINDOW = 15 * 60


@dataclass
class Session:
    sid: str
    username: str
    csrf: str
    expires_at: float
    flash: list[dict[str, str]] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "csrf": self.csrf,
            "expires_at": self.expires_at,
            "flash": self.flash,
        }


class SessionManager:
    """Creates, finds, signs and ends sessions."""

    def __init__(self, state: StateStore, lifetime: float = SESSION_SECONDS):
        self.state = state
        self.lifetime = lifetime
        self._secret: bytes | None = None

    @property
    def _key(self) -> bytes:
        """The signing key, read from the store on first use (the web starts without it)."""
        if self._secret is None:
            secret = os.environ.get("YUQING_WEB_SECRET") or self.state.put_if_absent(
                KEY_NAMESPACE, "secret_key", secrets.token_hex(32)
            )
            self._secret = secret.encode()
        return self._secret

    # -- signing ----------------------------------------------------------------------------
    def sign(self, value: str) -> str:
        mac = hmac.new(self._key, value.encode(), hashlib.sha256).digest()
        return f"{value}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"

    def unsign(self, signed: str | None) -> str | None:
        if not signed or "." not in signed:
            return None
        value = signed.rsplit(".", 1)[0]
        return value if hmac.compare_digest(self.sign(value), signed) else None

    # -- sessions ---------------------------------------------------------------------------
    def create(self, username: str) -> Session:
        session = Session(
            sid=secrets.token_urlsafe(32),
            username=username,
            csrf=secrets.token_urlsafe(32),
            expires_at=time.time() + self.lifetime,
        )
        self.save(session)
        return session

    def save(self, session: Session) -> None:
        self.state.put(NAMESPACE, session.sid, session.record(), expires_at=session.expires_at)

    def find(self, cookie: str | None) -> Session | None:
        sid = self.unsign(cookie)
        if sid is None:
            return None
        record = self.state.get(NAMESPACE, sid)
        if not record or record.get("expires_at", 0) <= time.time():
            return None
        return Session(
            sid=sid,
            username=record["username"],
            csrf=record["csrf"],
            expires_at=record["expires_at"],
            flash=list(record.get("flash") or []),
        )

    def end(self, session: Session) -> None:
        self.state.delete(NAMESPACE, session.sid)

    def end_all(self, username: str) -> int:
        """End every session of `username` (password reset, account disabled)."""
        ended = 0
        for sid, record in self.state.scan(NAMESPACE, limit=100_000):
            if isinstance(record, dict) and record.get("username") == username:
                self.state.delete(NAMESPACE, sid)
                ended += 1
        return ended

    def add_flash(self, session: Session, kind: str, text: str) -> None:
        session.flash.append({"kind": kind, "text": text})
        self.save(session)

    def pop_flash(self, session: Session) -> list[dict[str, str]]:
        messages, session.flash = session.flash, []
        if messages:
            self.save(session)
        return messages

    # -- login throttling -------------------------------------------------------------------
    def login_blocked(self, username: str) -> bool:
        record = self.state.get(FAILURES_NAMESPACE, username.strip().lower())
        return bool(record) and record.get("count", 0) >= MAX_FAILURES

    def login_failed(self, username: str) -> None:
        key = username.strip().lower()
        record = self.state.get(FAILURES_NAMESPACE, key) or {"count": 0, "since": time.time()}
        record["count"] += 1
        expires = record["since"] + FAILURE_WINDOW
        self.state.put(FAILURES_NAMESPACE, key, record, expires_at=expires)

    def login_succeeded(self, username: str) -> None:
        self.state.delete(FAILURES_NAMESPACE, username.strip().lower())


def tokens_match(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))
