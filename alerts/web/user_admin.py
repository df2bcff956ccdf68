"""Account administration for admins (用户管理): add a user, change role or department,
disable / enable, reset a password — each checked, applied to the user store (argon2 hashes
as `yuqing users add` writes them) and recorded in the audit trail. Pages and API share it.
"""

from __future__ import annotations

from fastapi import Depends, HTTPException

from alerts.web.audit import AuditLog
from alerts.web.auth import Caller, api_caller, page_caller
from alerts.web.context import WebContext
from alerts.web.users import ROLE_LABELS, User, UserError, profile_directory


def require_admin(caller: Caller) -> None:
    """403 unless the caller is an admin (pages and API alike)."""
    if caller.user.role != "admin":
        raise HTTPException(status_code=403, detail="仅管理员可以管理用户")


def admin_api_caller(caller: Caller = Depends(api_caller)) -> Caller:
    """Dependency of the account API: 401 without a session, 403 unless admin."""
    require_admin(caller)
    return caller


def admin_page_caller(caller: Caller = Depends(page_caller)) -> Caller:
    """Dependency of the 用户管理 page: login first, then 403 unless admin."""
    require_admin(caller)
    return caller


def _placed(user: User) -> str:
    where = f"（{user.department_name}）" if user.department_name else ""
    scope = f"[{user.profile}]" if user.profile else ""
    return f"{user.role_label}{where}{scope}"


class AccountAdmin:
    """Admin actions as one admin; raises UserError (with `.zh`) and changes nothing then."""

    def __init__(self, web: WebContext, actor: User):
        self.web = web
        self.actor = actor
        self.audit = AuditLog(web.stores.state)

    def _log(self, action: str, target: str, what: str) -> None:
        self.audit.record(self.web.clock(), self.actor.username, action, target, what)

    def _existing(self, username: str) -> User:
        user = self.web.users.get(username)
        if user is None:
            raise UserError(f"no user {username!r}", f"没有用户 {username}")
        return user

    def _keep_an_admin(self, target: User, why: str) -> None:
        """Refuse what would leave no active admin, or lock the acting admin out."""
        if target.username == self.actor.username:
            raise UserError(f"cannot {why} yourself", f"不能{why}：这是您自己的账号")
        admins = [u for u in self.web.users.list() if u.role == "admin" and u.active]
        if target.role == "admin" and target.active and len(admins) <= 1:
            raise UserError("the last active admin", "这是唯一的在用管理员，不能" + why)

    def add(
        self, username: str, role: str, password: str, department: str = "", profile: str = ""
    ) -> User:
        """`profile`: the jurisdiction the account belongs to ("" = the default profile)."""
        name, directory = profile_directory(self.web.settings, profile)
        if name is None:
            directory = self.web.directory
        user = self.web.users.add(
            username, role, password, department or None, directory, profile=name
        )
        self._log("add", user.username, f"新增用户 {user.username}: {_placed(user)}")
        return user

    def change(self, username: str, role: str, department: str = "", profile: str = "") -> User:
        """New role and department, checked against the account's profile — or `profile`,
        when given, which the account then moves to."""
        before = self._existing(username)
        if before.role == "admin" and role != "admin":
            self._keep_an_admin(before, "取消管理员角色")
        if profile == (before.profile or self.web.settings.profile):
            profile = ""  # where it already is
        name, directory = profile_directory(self.web.settings, profile or before.profile)
        moved = name if profile else None
        after = self.web.users.change(username, role, department or None, directory, moved)
        if (after.role, after.department, after.profile) == (
            before.role,
            before.department,
            before.profile,
        ):
            raise UserError("nothing changed", f"用户 {after.username} 的角色和部门没有变化")
        self._log(
            "change",
            after.username,
            f"调整用户 {after.username}: {_placed(before)} → {_placed(after)}",
        )
        return after

    def set_active(self, username: str, active: bool) -> User:
        before = self._existing(username)
        if before.active == active:
            state = "在用" if active else "停用"
            raise UserError("already so", f"用户 {before.username} 已是{state}状态")
        if not active:
            self._keep_an_admin(before, "停用")
        user = self.web.users.set_active(username, active)
        if not active:
            self.web.sessions.end_all(user.username)
        action, label = ("enable", "启用") if active else ("disable", "停用")
        self._log(action, user.username, f"{label}用户 {user.username}")
        return user

    def reset_password(self, username: str, password: str) -> User:
        self._existing(username)
        user = self.web.users.set_password(username, password)
        self.web.sessions.end_all(user.username)
        self._log("password", user.username, f"重置用户 {user.username} 的密码（其会话已全部退出）")
        return user


def role_choices() -> list[tuple[str, str]]:
    return list(ROLE_LABELS.items())
