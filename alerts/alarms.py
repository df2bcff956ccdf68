"""Reminders before a clock is due, the escalation ladder after it breached, and the
immediate report of an important case: each becomes an "alert" timeline entry (notices.py).

Pure: (case, now) → the case with its new alert entries and `Clock.reminders_sent`; every
reminder and rung is sent once (its stable message id is checked on the timeline).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from alerts.localtime import display_local
from alerts.notices import alert_entry, has_alert
from alerts.policy import PolicyProfile
from alerts.policy_options import EscalationRung
from alerts.recipients import names, resolve
from alerts.special_steps import CONVENED, HELD
from alerts.steps import happened
from pipeline.models import Case, Clock, TimelineEntry, parse_time
from pipeline.profile import JurisdictionProfile

REPORT_UP = "report_up"
MAJOR_SEVERITIES = ("major", "especially_major")


def reminder_marker(fraction: float) -> str:
    return f"{round(fraction * 100)}%"


def rung_marker(index: int) -> str:
    return f"rung-{index + 1}"


class AlarmPlanner:
    """Adds the due reminders, escalations and report-up notices to a case."""

    def __init__(self, policy: PolicyProfile, directory: JurisdictionProfile | None):
        self.policy = policy
        self.directory = directory
        self.fractions: list[float] = policy.option("reminders")
        self.ladder: list[EscalationRung] = policy.option("escalation")

    def label(self, clock: Clock) -> str:
        definition = self.policy.definition(clock.name, clock.rule)
        return (definition.spec.label if definition else "") or clock.name

    def plan(self, case: Case, now: datetime) -> Case | None:
        """The case with the alerts due at `now` added, or None when none is due."""
        entries: list[TimelineEntry] = []
        clocks: list[Clock] = []
        for clock in case.clocks:
            if clock.state == "running":
                clock = self._remind(case, clock, now, entries)
                if clock.name == REPORT_UP:
                    self._report_up(case, clock, now, entries)
            elif clock.state == "breached" and clock.met_at is None:
                self._escalate(case, clock, now, entries)
            clocks.append(clock)
        self._propose_meeting(case, now, entries)
        if not entries:
            return None
        return case.model_copy(update={"clocks": clocks, "timeline": [*case.timeline, *entries]})

    def _before_handover_roles(self, case: Case) -> list[str]:
        """Before 研判 the clock is the news office's; after it, the departments'."""
        if case.confirmed_at is None and case.status == "new":
            return ["news_office"]
        return ["lead_department", "co_departments"]

    def _remind(
        self, case: Case, clock: Clock, now: datetime, entries: list[TimelineEntry]
    ) -> Clock:
        if not clock.started_at or not self.fractions:
            return clock
        start, due = parse_time(clock.started_at), parse_time(clock.due_at)
        span = due - start
        crossed = [
            f
            for f in self.fractions
            if now >= start + span * f and reminder_marker(f) not in clock.reminders_sent
        ]
        if not crossed or now >= due:
            return clock
        latest = reminder_marker(max(crossed))  # a late tick sends the latest reminder only
        if not has_alert(case, clock.name, latest):
            left = max(timedelta(0), due - now)
            hours = left.total_seconds() / 3600
            recipients = resolve(self._before_handover_roles(case), case, self.directory)
            text = (
                f"提醒: {self.label(clock)}已过时限的 {latest}，截止 {display_local(clock.due_at)}"
                f"（剩余约 {hours:.1f} 小时）→ {names(recipients)}"
            )
            entries.append(
                alert_entry(
                    case,
                    "reminder",
                    latest,
                    text,
                    recipients,
                    now,
                    clock=clock.name,
                    reminder=latest,
                    due_at=clock.due_at,
                )
            )
        sent = [*clock.reminders_sent, *(reminder_marker(f) for f in sorted(crossed))]
        return clock.model_copy(update={"reminders_sent": sent})

    def _escalate(
        self, case: Case, clock: Clock, now: datetime, entries: list[TimelineEntry]
    ) -> None:
        due = parse_time(clock.due_at)
        for index, rung in enumerate(self.ladder):
            marker = rung_marker(index)
            if now < due + timedelta(hours=rung.after_hours) or has_alert(case, clock.name, marker):
                continue
            recipients = resolve(rung.to, case, self.directory)
            text = (
                f"升级: {self.label(clock)}已超期（截止 {display_local(clock.due_at)}，"
                f"{clock.rule}），第 {index + 1} 级 → {names(recipients)}"
            )
            entries.append(
                alert_entry(
                    case,
                    "escalation",
                    marker,
                    text,
                    recipients,
                    now,
                    clock=clock.name,
                    rung=index + 1,
                    due_at=clock.due_at,
                )
            )

    def _propose_meeting(self, case: Case, now: datetime, entries: list[TimelineEntry]) -> None:
        """A major emergency calls for the joint meeting (会商): the news office convenes it.
        Not suggested once the meeting is convened or held."""
        if case.severity not in MAJOR_SEVERITIES or case.status in ("closed", "dismissed"):
            return
        if has_alert(case, "", "meeting") or happened(case, CONVENED) or happened(case, HELD):
            return
        recipients = resolve(["news_office"], case, self.directory)
        text = f"会商: 「{case.title}」为重大事件，建议召开联席会议并统一口径 → {names(recipients)}"
        entries.append(alert_entry(case, "meeting", "meeting", text, recipients, now))

    def _report_up(
        self, case: Case, clock: Clock, now: datetime, entries: list[TimelineEntry]
    ) -> None:
        if has_alert(case, clock.name, "opened"):
            return
        roles = self.policy.option("report_up_to")
        recipients = resolve(roles, case, self.directory, report_up=True)
        text = (
            f"呈报: 重要舆情「{case.title}」，应于 {display_local(clock.due_at)} 前报送"
            f" → {names(recipients)}"
        )
        entries.append(
            alert_entry(case, "report_up", "opened", text, recipients, now, clock=clock.name)
        )
