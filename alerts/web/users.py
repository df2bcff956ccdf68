"""Dashboard accounts: name, role, department and an argon2 password hash, kept in the state
store (namespace "users") so every web process of a deployment sees the same accounts.

Roles (contracts.md): admin, monitor (news office), leader, officer (one department).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from alerts.localtime import iso_local
from pipeline.models import now_utc
from pipeline.profile import JurisdictionProfile
from pipeline.storage.base import StateStore

NAMESPACE = "users"
ROLES = ("admin", "monitor", "leader", "officer")
ROLE_LABELS = {
    "admin": "管理员",
    "monitor": "舆情监测员",
    "leader": "领导",
    "officer": "部门联络员",
}
MIN_PASSWORD = 8
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_.-")

_hasher = PasswordHasher()
# Verified against when the user does not exist, so a wrong name takes as long as a wrong
# password (no user enumeration by timing).
_DUMMY_HASH = _hasher.hash("no such user: constant-time dummy")


class UserError(ValueError):
    """A user that cannot be created as asked; the message says why."""


@dataclass(frozen=True)
class User:
    username: str
    role: str
    department: str | None = None  # department code (officers)
    department_name: str | None = None
    created_at: str = ""

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def public(self) -> dict[str, Any]:
        return asdict(self)


class UserDirectory:
    """Accounts over a StateStore; passwords only ever leave as argon2 hashes."""

    def __init__(self, state: StateStore):
        self.state = state

    def add(
        self,
        username: str,
        role: str,
        password: str,
        department: str | None = None,
        directory: JurisdictionProfile | None = None,
    ) -> User:
        name = username.strip().lower()
        if not name or not set(name) <= NAME_CHARS or len(name) > 64:
            raise UserError(f"user name {username!r}: use letters, digits, '_', '.', '-' only")
        if role not in ROLES:
            raise UserError(f"unknown role {role!r} (known: {', '.join(ROLES)})")
        if len(password) < MIN_PASSWORD:
            raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
        code = dept_name = None
        if role == "officer" and not department:
            raise UserError("an officer belongs to one department: give --department")
        if department:
            if directory is None:
                raise UserError("no jurisdiction profile to check the department against")
            try:
                found = directory.department(department.strip())
            except KeyError:
                raise UserError(
                    f"unknown department {department!r} in profile {directory.name}"
                ) from None
            code, dept_name = found.code, found.name
        user = User(name, role, code, dept_name, iso_local(now_utc()))
        record = {**user.public(), "password_hash": _hasher.hash(password)}
        stored = self.state.put_if_absent(NAMESPACE, name, record)
        if stored.get("password_hash") != record["password_hash"]:
            raise UserError(f"user {name!r} already exists")
        return user

    def get(self, username: str) -> User | None:
        record = self.state.get(NAMESPACE, username.strip().lower())
        return _user(record) if record else None

    def authenticate(self, username: str, password: str) -> User | None:
        """The user when the password matches, else None (same work either way)."""
        record = self.state.get(NAMESPACE, username.strip().lower())
        stored_hash = record.get("password_hash") if record else _DUMMY_HASH
        try:
            _hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        return _user(record) if record else None

    def list(self) -> list[User]:
        return [_user(value) for _key, value in self.state.scan(NAMESPACE)]


def _user(record: dict[str, Any]) -> User:
    return User(
        username=record["username"],
        role=record["role"],
        department=record.get("department"),
        department_name=record.get("department_name"),
        created_at=record.get("created_at", ""),
    )
