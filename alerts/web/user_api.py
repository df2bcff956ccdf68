"""The account API for admins (scripts): list, add, change role / department, disable or
enable, reset a password. Same rules and audit trail as the 用户管理 page; others get 403,
a bad request 422 with the reason in Chinese; the X-CSRF-Token header on every change."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from alerts.web.audit import AuditLog
from alerts.web.auth import Caller, header_csrf
from alerts.web.context import web_context
from alerts.web.user_admin import AccountAdmin, admin_api_caller
from alerts.web.users import User, UserError

router = APIRouter(prefix="/api/users")


class NewUser(BaseModel):
    username: str
    role: str
    password: str
    department: str = ""
    profile: str = ""  # a configured profile ("" the default); the department is checked in it


class Placement(BaseModel):
    role: str
    department: str = ""
    profile: str = ""  # "" keeps the account's profile


class Activity(BaseModel):
    active: bool


class Password(BaseModel):
    password: str


def _admin(request: Request, caller: Caller) -> AccountAdmin:
    header_csrf(request, caller)
    return AccountAdmin(web_context(request), caller.user)


def _refused(exc: UserError) -> HTTPException:
    return HTTPException(status_code=422, detail=exc.zh)


@router.get("")
def list_users(
    request: Request, caller: Caller = Depends(admin_api_caller)
) -> list[dict[str, Any]]:
    return [u.public() for u in web_context(request).users.list()]


@router.get("/audit")
def audit(request: Request, caller: Caller = Depends(admin_api_caller)) -> list[dict[str, Any]]:
    return [vars(e) for e in AuditLog(web_context(request).stores.state).latest()]


@router.post("", status_code=201)
async def add_user(
    body: NewUser, request: Request, caller: Caller = Depends(admin_api_caller)
) -> dict:
    admin = _admin(request, caller)
    try:
        user: User = await run_in_threadpool(
            admin.add, body.username, body.role, body.password, body.department, body.profile
        )
    except UserError as exc:
        raise _refused(exc) from None
    return user.public()


@router.post("/{name}/role")
def change_user(
    name: str, body: Placement, request: Request, caller: Caller = Depends(admin_api_caller)
) -> dict:
    admin = _admin(request, caller)
    try:
        return admin.change(name, body.role, body.department, body.profile).public()
    except UserError as exc:
        raise _refused(exc) from None


@router.post("/{name}/active")
def activate(
    name: str, body: Activity, request: Request, caller: Caller = Depends(admin_api_caller)
) -> dict:
    admin = _admin(request, caller)
    try:
        return admin.set_active(name, body.active).public()
    except UserError as exc:
        raise _refused(exc) from None


@router.post("/{name}/password")
async def reset(
    name: str, body: Password, request: Request, caller: Caller = Depends(admin_api_caller)
) -> dict:
    admin = _admin(request, caller)
    try:
        user: User = await run_in_threadpool(admin.reset_password, name, body.password)
    except UserError as exc:
        raise _refused(exc) from None
    return user.public()
