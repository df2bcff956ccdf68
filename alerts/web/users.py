"""Dashboard accounts: name, role, department and an argon2 password hash, kept in the state
store (namespace "users") so every web process of a deployment sees the same accounts.

Roles (contracts.md): admin, monitor (news office), leader, officer (one department).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from alerts.localtime import iso_local
from pipeline.config import Settings
from pipeline.models import now_utc
from pipeline.profile import JurisdictionProfile, load_profile
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
    """A user that cannot be created or changed as asked; the message says why (English for
    the CLI, `zh` in Chinese for the dashboard)."""

    def __init__(self, message: str, zh: str = ""):
        super().__init__(message)
        self.zh = zh or message


@dataclass(frozen=True)
class User:
    username: str
    role: str
    department: str | None = None  # department code (officers)
    department_name: str | None = None
    created_at: str = ""
    active: bool = True
    # the jurisdiction profile the account belongs to (multi-county deployments); None: the
    # deployment's default profile (accounts made before profiles existed)
    profile: str | None = None

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
        profile: str | None = None,
    ) -> User:
        """A new account; `directory` is the profile its department is checked against and
        `profile` the jurisdiction it belongs to (None: the deployment's default)."""
        name = username.strip().lower()
        if not name or not set(name) <= NAME_CHARS or len(name) > 64:
            raise UserError(
                f"user name {username!r}: use letters, digits, '_', '.', '-' only",
                "用户名只能使用小写字母、数字和 _ . -（不超过64个字符）",
            )
        _check_password(password)
        code, dept_name = _placement(role, department, directory)
        user = User(name, role, code, dept_name, iso_local(now_utc()), profile=profile or None)
        record = {**user.public(), "password_hash": _hasher.hash(password)}
        stored = self.state.put_if_absent(NAMESPACE, name, record)
        if stored.get("password_hash") != record["password_hash"]:
            raise UserError(f"user {name!r} already exists", f"用户 {name} 已存在")
        return user

    def change(
        self,
        username: str,
        role: str,
        department: str | None = None,
        directory: JurisdictionProfile | None = None,
        profile: str | None = None,
    ) -> User:
        """A new role and department for an existing user (the password is kept); a new
        `profile` too when one is given (None keeps it; `directory` is that profile's)."""
        record = self._record(username)
        code, dept_name = _placement(role, department, directory)
        record.update(role=role, department=code, department_name=dept_name)
        if profile is not None:
            record["profile"] = profile
        self.state.put(NAMESPACE, record["username"], record)
        return _user(record)

    def set_active(self, username: str, active: bool) -> User:
        """Disable (no login, sessions refused) or enable an account."""
        record = self._record(username)
        record["active"] = active
        self.state.put(NAMESPACE, record["username"], record)
        return _user(record)

    def set_password(self, username: str, password: str) -> User:
        _check_password(password)
        record = self._record(username)
        record["password_hash"] = _hasher.hash(password)
        self.state.put(NAMESPACE, record["username"], record)
        return _user(record)

    def _record(self, username: str) -> dict[str, Any]:
        name = username.strip().lower()
        record = self.state.get(NAMESPACE, name)
        if not record:
            raise UserError(f"no user {name!r}", f"没有用户 {name}")
        return dict(record)

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
        if not record or not record.get("active", True):
            return None
        return _user(record)

    def list(self) -> list[User]:
        return [_user(value) for _key, value in self.state.scan(NAMESPACE)]


def _user(record: dict[str, Any]) -> User:
    return User(
        username=record["username"],
        role=record["role"],
        department=record.get("department"),
        department_name=record.get("department_name"),
        created_at=record.get("created_at", ""),
        active=bool(record.get("active", True)),
        profile=record.get("profile") or None,
    )


def profile_directory(
    settings: Settings, name: str | None
) -> tuple[str | None, JurisdictionProfile]:
    """(profile, its directory) for an account: `name` must be a monitored profile or the
    superior; None is the default profile (stored as None: "the default")."""
    base = settings.source.parent if settings.source else None
    if not name:
        return None, load_profile(settings.profile, base)
    known = [*settings.profile_names, *([settings.superior] if settings.superior else [])]
    if name not in known:
        raise UserError(
            f"unknown profile {name!r} (configured: {', '.join(known)})",
            f"未知辖区档案「{name}」（本部署：{'、'.join(known)}）",
        )
    return name, load_profile(name, base)


def scoped(user: User, profiles: list[str]) -> User:
    """The user with the default profile filled in where a deployment monitors several
    (`profiles`, the default first); with one profile nothing is scoped, as before."""
    if user.profile is not None or len(profiles) < 2:
        return user
    return replace(user, profile=profiles[0])


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(
            f"the password must have at least {MIN_PASSWORD} characters",
            f"密码至少 {MIN_PASSWORD} 个字符",
        )


def _placement(
    role: str, department: str | None, directory: JurisdictionProfile | None
) -> tuple[str | None, str | None]:
    """The checked role's department (code, name); an officer must have one."""
    if role not in ROLES:
        raise UserError(f"unknown role {role!r} (known: {', '.join(ROLES)})", f"未知角色 {role}")
    department = (department or "").strip()
    if role == "officer" and not department:
        raise UserError(
            "an officer belongs to one department: give --department",
            "部门联络员必须属于一个部门，请选择部门",
        )
    if not department:
        return None, None
    if directory is None:
        raise UserError(
            "no jurisdiction profile to check the department against", "没有辖区档案，无法核对部门"
        )
    try:
        found = directory.department(department)
    except KeyError:
        raise UserError(
            f"unknown department {department!r} in profile {directory.name}",
            f"未知部门「{department}」，请从本县部门名录中选择",
        ) from None
    return found.code, found.name
