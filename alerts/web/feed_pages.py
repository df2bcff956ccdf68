"""The live feed of scored items (newest first, filters, full-text search; feed.js refreshes
it from /api/items without a reload) and the findings panel (sources down, defaced sites)."""

from __future__ import annotations

import os
from dataclasses import asdict
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query
from starlette.requests import Request
from starlette.responses import Response

from alerts.labels import CATEGORY_LABELS
from alerts.web.auth import Caller, page_caller
from alerts.web.context import web_context
from alerts.web.page_support import not_found, render_page
from alerts.web.profile_scope import admin_filter, page_directory, profile_choices
from alerts.web.queries import FeedFilters, feed, findings
from alerts.web.views import SOURCE_LABELS

router = APIRouter()
KEYS = ("category", "town", "department", "source", "min_risk", "q", "relevant", "profile")
FINDING_KINDS = {
    "source_down": "信息源不可用",
    "site_tampering": "网站被篡改",
    "channel_down": "通知通道故障",
    "notice_undeliverable": "通知无法送达",
}
FINDING_SEVERITY = {"info": "提示", "warning": "警告", "critical": "严重"}


@router.get("/feed")
def feed_page(
    request: Request,
    category: str = "",
    town: str = "",
    department: str = "",
    source: str = "",
    min_risk: str = "",
    q: str = "",
    relevant: str = "",
    profile: str = "",
    caller: Caller = Depends(page_caller),
) -> Response:
    web = web_context(request)
    risk = int(min_risk) if min_risk.isdigit() and int(min_risk) <= 100 else None
    only = admin_filter(web, caller.user, profile) or ""
    filters = FeedFilters(category, town, department, source, risk, q, relevant, profile=only)
    directory = page_directory(web, caller.user, only)
    return render_page(
        request,
        caller,
        "feed.html",
        "feed",
        items=feed(web, caller.user, filters),
        filters=filters,
        poll_ms=int(1000 * float(os.environ.get("YUQING_FEED_POLL_SECONDS") or 15)),
        filters_query=urlencode({k: v for k, v in asdict(filters).items() if k in KEYS and v}),
        categories=CATEGORY_LABELS,
        sources=SOURCE_LABELS,
        towns=directory.towns,
        departments=directory.departments,
        profile_choices=profile_choices(web, caller.user),
        profile_filter=only,
        total=web.stores.items.count(),
    )


@router.get("/findings")
def findings_page(
    request: Request, kind: str = Query(""), caller: Caller = Depends(page_caller)
) -> Response:
    if caller.user.role == "officer":
        return not_found(request, caller)
    return render_page(
        request,
        caller,
        "findings.html",
        "findings",
        findings=findings(web_context(request), kind or None, user=caller.user),
        kinds=FINDING_KINDS,
        severities=FINDING_SEVERITY,
        kind=kind,
    )
