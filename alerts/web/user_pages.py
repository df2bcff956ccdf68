"""用户管理 for admins: the list of accounts (name, role, department, active), forms to add a
user, change role / department / profile (in a multi-county deployment), disable or enable, reset a password, and the audit trail.
Everyone else gets 403. Each form posts with the session's CSRF token; the result comes back
as a flash message, and a refused action changes nothing."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from alerts.web.audit import AuditLog
from alerts.web.auth import Caller, form_with_csrf
from alerts.web.context import web_context
from alerts.web.page_support import render_page
from alerts.web.profile_scope import directory_of, profile_choices
from alerts.web.user_admin import AccountAdmin, admin_page_caller, role_choices
from alerts.web.users import UserError

router = APIRouter(prefix="/admin/users")
BACK = "/admin/users"


def _field(fields: dict[str, object], key: str) -> str:
    value = fields.get(key, "")
    return str(value[0] if isinstance(value, list) and value else value or "").strip()


def _placement(fields: dict[str, object]) -> tuple[str, str]:
    """(department, profile) from a form: with several profiles the department's option is
    "PROFILE/CODE" (codes repeat across counties); it must agree with the chosen profile."""
    department, profile = _field(fields, "department"), _field(fields, "profile")
    if "/" in department:
        owner, department = department.split("/", 1)
        if profile and owner != profile:
            raise UserError("department of another profile", "所选部门不属于所选辖区")
        profile = profile or owner
    return department, profile


@router.get("")
def users_page(request: Request, caller: Caller = Depends(admin_page_caller)) -> Response:
    web = web_context(request)
    users = sorted(web.users.list(), key=lambda u: (not u.active, u.role, u.username))
    choices = profile_choices(web, caller.user)
    return render_page(
        request,
        caller,
        "users.html",
        "users",
        users=users,
        roles=role_choices(),
        departments=web.directory.departments,
        profile_choices=choices,
        profile_departments=[(n, label, directory_of(web, n).departments) for n, label in choices],
        profile_labels=dict(choices),
        default_profile=web.settings.profile,
        audit=AuditLog(web.stores.state).latest(),
    )


async def _act(request: Request, caller: Caller, action: str, name: str = "") -> Response:
    """Run one admin action from a form; flash the outcome and go back to the list."""
    fields = await form_with_csrf(request, caller)
    web = web_context(request)
    admin = AccountAdmin(web, caller.user)
    try:
        if action == "add":
            department, profile = _placement(fields)
            user = await run_in_threadpool(
                admin.add,
                _field(fields, "username"),
                _field(fields, "role"),
                str(fields.get("password") or ""),
                department,
                profile,
            )
            done = f"已新增用户 {user.username}"
        elif action == "change":
            department, profile = _placement(fields)
            user = admin.change(name, _field(fields, "role"), department, profile)
            done = f"已调整用户 {user.username} 的角色和部门"
        elif action == "active":
            active = _field(fields, "active") == "1"
            user = admin.set_active(name, active)
            done = f"已{'启用' if active else '停用'}用户 {user.username}"
        else:
            password = str(fields.get("password") or "")
            user = await run_in_threadpool(admin.reset_password, name, password)
            done = f"已重置用户 {user.username} 的密码"
    except UserError as exc:
        web.sessions.add_flash(caller.session, "error", f"未完成: {exc.zh}")
    else:
        web.sessions.add_flash(caller.session, "ok", f"{done}，已记入操作记录")
    return RedirectResponse(BACK, status_code=303)


@router.post("")
async def add_user(request: Request, caller: Caller = Depends(admin_page_caller)) -> Response:
    return await _act(request, caller, "add")


@router.post("/{name}/role")
async def change_user(name: str, request: Request, caller: Caller = Depends(admin_page_caller)):
    return await _act(request, caller, "change", name)


@router.post("/{name}/active")
async def activate_user(name: str, request: Request, caller: Caller = Depends(admin_page_caller)):
    return await _act(request, caller, "active", name)


@router.post("/{name}/password")
async def reset_password(name: str, request: Request, caller: Caller = Depends(admin_page_caller)):
    return await _act(request, caller, "password", name)
