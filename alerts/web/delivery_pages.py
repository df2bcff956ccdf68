"""The 通知送达 page and `GET /api/delivery`: where every notice, finding and digest stands,
as `yuqing notify --status` has it — the county (profile) of each, legs refused for want of
a county's own route with the Chinese reason, legs given up, and the channels marked down.

Scoped like the report pages: a user sees their own profile's jobs (admins every one, and may
narrow to one with `?profile=`); officers see none (notices concern several departments).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from starlette.requests import Request
from starlette.responses import Response

from alerts.delivery.compose import KIND_LABELS
from alerts.delivery.health import HEALTH
from alerts.delivery.jobs import DeliveryJob, JobStore
from alerts.delivery.status import SOURCE_LABELS, delivery_summary, job_profile, job_status
from alerts.web.auth import Caller, api_caller, page_caller
from alerts.web.context import WebContext, web_context
from alerts.web.page_support import not_found, render_page
from alerts.web.profile_scope import admin_filter, directory_of, known_profiles, profile_choices
from alerts.web.users import User
from pipeline.redact import redact

router = APIRouter()
READERS = frozenset({"monitor", "leader", "admin"})
SENT_SHOWN = 50  # the newest delivered jobs listed under the open and failed ones


def visible_jobs(web: WebContext, user: User, chosen: str = "") -> list[DeliveryJob]:
    """The delivery jobs of the user's own profile (admins: every one, or `chosen`)."""
    default = web.settings.profile
    only = admin_filter(web, user, chosen)
    wanted = only if user.role == "admin" else user.profile
    jobs = JobStore(web.stores.state).all()
    if wanted is not None:
        jobs = [job for job in jobs if job_profile(job, default) == wanted]
    return sorted(jobs, key=lambda j: (j.created_at, j.message_id), reverse=True)


def county_name(web: WebContext, profile: str) -> str:
    """The jurisdiction a profile stands for; one this deployment does not monitor says so."""
    name = profile or web.settings.profile
    if name == web.settings.profile or name in known_profiles(web):
        return directory_of(web, name).jurisdiction
    return f"{name}（本部署未配置）"


def channels_down(web: WebContext) -> dict[str, dict[str, Any]]:
    """The channels marked down (deployment-wide: no case in them), errors masked."""
    found = dict(web.stores.state.scan(HEALTH))
    return {name: {**r, "last_error": redact(r.get("last_error", ""))} for name, r in found.items()}


def rows(web: WebContext, jobs: list[DeliveryJob]) -> list[dict[str, Any]]:
    """Each job as the page shows it: its status with the kind and county in Chinese."""
    shown = []
    for job in jobs:
        row = job_status(job)
        kind = KIND_LABELS.get(job.notice_kind, "") if job.source == "notice" else ""
        row["kind_label"] = kind or SOURCE_LABELS.get(job.source, job.source)
        row["county"] = county_name(web, job.profile)
        row["done_at"] = job.done_at
        row["case_id"] = job.case_id
        shown.append(row)
    return shown


@router.get("/delivery")
def delivery_page(request: Request, caller: Caller = Depends(page_caller)) -> Response:
    if caller.user.role not in READERS:
        return not_found(request, caller)
    web = web_context(request)
    chosen = request.query_params.get("profile", "")
    jobs = visible_jobs(web, caller.user, chosen)
    sent = [j for j in jobs if j.state == "sent"][:SENT_SHOWN]
    return render_page(
        request,
        caller,
        "delivery.html",
        "delivery",
        failed=rows(web, [j for j in jobs if j.state == "failed"]),
        pending=rows(web, [j for j in jobs if j.state == "pending"]),
        sent=rows(web, sent),
        counts={s: sum(1 for j in jobs if j.state == s) for s in ("pending", "failed", "sent")},
        channels_down=channels_down(web),
        profile_choices=profile_choices(web, caller.user),
        profile_filter=admin_filter(web, caller.user, chosen) or "",
    )


@router.get("/api/delivery")
def delivery_api(
    request: Request, profile: str = "", caller: Caller = Depends(api_caller)
) -> dict[str, Any]:
    """What `yuqing notify --status` prints, for the caller's own profile."""
    if caller.user.role not in READERS:
        raise HTTPException(status_code=403, detail="通知送达情况仅供新闻办和领导查看")
    web = web_context(request)
    jobs = visible_jobs(web, caller.user, profile)
    return delivery_summary(jobs, channels_down(web))
