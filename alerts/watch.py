"""防范反复: after closing, a case is watched for a while. A new item of the event either
reopens it (back to the department) or raises an alert; the watch ends on its own.
"""

from __future__ import annotations

from datetime import datetime

from alerts.notices import SYSTEM, alert_entry
from alerts.policy_options import WatchRule
from alerts.recipients import names, resolve
from alerts.status import transition
from pipeline.models import Case, ScoredItem, parse_time
from pipeline.profile import JurisdictionProfile

WATCHED = ("closed", "watching")


def watch_until(case: Case) -> datetime | None:
    for e in reversed(case.timeline):
        if e.detail.get("event") == "watch_started":
            return parse_time(e.detail["until"])
    return None


def end_expired_watch(case: Case, now: datetime) -> Case:
    """A watching case whose watch has run out becomes closed again."""
    until = watch_until(case)
    if case.status != "watching" or until is None or now < until:
        return case
    return transition(
        case, "closed", SYSTEM, now, "持续关注期满，未见反复", "watch", {"event": "watch_ended"}
    )


def on_recurrence(
    case: Case,
    item: ScoredItem,
    now: datetime,
    rule: WatchRule,
    directory: JurisdictionProfile | None,
) -> Case:
    """`case` (closed or watching, `item` already merged in) reopened or alerted."""
    if case.status not in WATCHED:
        return case
    reopen = item.relevant and item.risk >= rule.reopen_min_risk
    roles = ["news_office", "lead_department"] if reopen else ["news_office"]
    recipients = resolve(roles, case, directory)
    if reopen:
        case = transition(
            case,
            "acknowledged",
            SYSTEM,
            now,
            f"舆情反复，重新交办（{item.source_name}，风险 {item.risk}）",
            "recurrence",
            {"event": "reopened", "item": item.id},
        )
        text = f"反复: 「{case.title}」再现并已重新交办 → {names(recipients)}"
    else:
        text = f"反复: 「{case.title}」出现新信息（{item.source_name}，风险 {item.risk}），请关注"
        text += f" → {names(recipients)}"
    entry = alert_entry(
        case, "recurrence", f"item-{item.id}", text, recipients, now, item=item.id, reopened=reopen
    )
    return case.model_copy(update={"timeline": [*case.timeline, entry]})
