"""The accountability table per department (考核, from alerts.accountability) and the trends
page (items per day by category and by town, drawn by charts.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from alerts.accountability import accountability
from alerts.labels import CATEGORY_LABELS
from alerts.web.auth import Caller, page_caller
from alerts.web.charts import last_days, per_day, stacked_chart, window_items
from alerts.web.context import web_context
from alerts.web.page_support import render_page
from alerts.web.profile_scope import admin_filter, page_directory, page_profile, profile_choices
from alerts.web.queries import visible_cases
from pipeline.storage.base import ItemQuery

router = APIRouter()
PERIODS = {"week": "本周", "month": "本月"}
DAY_CHOICES = (7, 14, 30)


@router.get("/accountability")
def accountability_page(
    request: Request,
    period: str = "week",
    back: int = 0,
    profile: str = "",
    caller: Caller = Depends(page_caller),
) -> Response:
    web = web_context(request)
    period = period if period in PERIODS else "week"
    back = max(0, min(back, 24))
    now = web.clock()
    at = now - timedelta(days=7 * back if period == "week" else 0)
    if period == "month":
        for _ in range(back):
            at = at.replace(day=1) - timedelta(days=1)
    only = admin_filter(web, caller.user, profile)
    policy = web.desk.resolver.policy_for(page_profile(web, caller.user, only or ""))
    ack_hours = policy.option("accountability").acknowledge_within_hours
    cases = [c for c in visible_cases(web, caller.user) if only is None or c.profile == only]
    report = accountability(cases, period, at, now, ack_hours, policy.timezone)  # type: ignore[arg-type]
    return render_page(
        request,
        caller,
        "accountability.html",
        "accountability",
        report=report,
        period=period,
        periods=PERIODS,
        back=back,
        ack_hours=ack_hours,
        profile_choices=profile_choices(web, caller.user),
        profile_filter=only or "",
        keep={"period": period, "back": back},
    )


def _trend_items(request: Request, caller: Caller, days: int, now: datetime, only: str | None):
    web = web_context(request)
    base = ItemQuery(relevant=True)
    base.profile = only if caller.user.role == "admin" else caller.user.profile
    if caller.user.role == "officer":
        base.department = caller.user.department or "\x00none"
    dates = last_days(now, days, web.settings.timezone)
    start = now - timedelta(days=days + 1)
    return dates, window_items(web.stores.items, base, start)


@router.get("/trends")
def trends_page(
    request: Request, days: int = 14, profile: str = "", caller: Caller = Depends(page_caller)
) -> Response:
    web = web_context(request)
    days = days if days in DAY_CHOICES else 14
    now = web.clock()
    only = admin_filter(web, caller.user, profile)
    directory = page_directory(web, caller.user, only or "")
    dates, items = _trend_items(request, caller, days, now, only)
    tz = web.settings.timezone
    by_category = per_day(items, dates, lambda i: i.categories or ["none"], tz)
    categories = [*CATEGORY_LABELS.items(), ("none", "无重点类别")]
    towns = [(t.code, t.name) for t in directory.towns]
    known = {code for code, _ in towns}
    by_town = per_day(
        items,
        dates,
        lambda i: [i.jurisdiction.code if i.jurisdiction.code in known else "other"],
        tz,
    )
    charts = [
        stacked_chart(
            "每日相关信息量（按类别；一条信息可属多个类别）",
            dates,
            categories,
            by_category,
            "条次",
        ),
        stacked_chart(
            "每日相关信息量（按乡镇）",
            dates,
            [*towns, ("other", f"{directory.jurisdiction}（未定位到镇）及其他")],
            by_town,
        ),
    ]
    return render_page(
        request,
        caller,
        "trends.html",
        "trends",
        charts=charts,
        days=days,
        day_choices=DAY_CHOICES,
        profile_choices=profile_choices(web, caller.user),
        profile_filter=only or "",
        keep={"days": days},
    )
