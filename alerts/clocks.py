"""Response clocks of a case: which apply, when each is due, and whether it is met or breached.

Pure functions of (case, policy, now): no wall-clock reads, so tests and replays pass `now`.
For one clock name defined by several profiles of the chain the earlier due wins (on a tie the
profile nearest to the chosen one, so the rule cites the local document). A clock once started
is kept; a running clock may only be tightened, never loosened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from alerts.events import all_happened_at, event_times, first_time
from alerts.localtime import end_of_local_day, iso_local
from alerts.policy import ClockDefinition, ClockSpec, Condition, PolicyProfile
from alerts.status import OPEN_STATUSES
from alerts.watch import watch_until
from alerts.workdays import WorkdayCalendar, add_working_days
from pipeline.models import Case, Clock, ClockState, parse_time


@dataclass(frozen=True)
class ClockChange:
    """One clock that started, tightened, was met or breached in an update."""

    name: str
    before: ClockState | None  # None: the clock is new
    after: ClockState
    clock: Clock
    tightened: bool = False


@dataclass
class ClockUpdate:
    case: Case
    changes: list[ClockChange] = field(default_factory=list)

    @property
    def breached(self) -> list[ClockChange]:
        return [c for c in self.changes if c.after == "breached" and c.before != "breached"]


class ClockCalculator:
    """Computes the clocks of cases under one policy profile."""

    def __init__(self, policy: PolicyProfile, calendar: WorkdayCalendar | None = None):
        self.policy = policy
        self.calendar = calendar if calendar is not None else WorkdayCalendar.load()

    # -- deadlines ------------------------------------------------------------------------
    def due(self, spec: ClockSpec, start: datetime) -> tuple[datetime, str]:
        """The deadline of `spec` started at `start`, and a note for the rule (or "")."""
        due, tz = spec.due, self.policy.timezone
        if due.hours is not None:
            return start + timedelta(hours=due.hours), ""
        if due.days is not None:
            return start + timedelta(days=due.days), ""
        if due.working_days is not None:
            deadline = add_working_days(start, due.working_days, self.calendar, tz)
            return deadline.due_at, deadline.note
        return end_of_local_day(start, tz), ""

    def _candidates(self, case: Case, now: datetime) -> dict[str, tuple[Clock, ClockDefinition]]:
        chosen: dict[str, tuple[datetime, Clock, ClockDefinition]] = {}
        for definition in self.policy.definitions:  # nearest profile first
            spec = definition.spec
            if not spec.applies_to.matches(case, now):
                continue
            # the start itself is not filtered by `now`: a crawler's clock may run ahead
            start = first_time(case, spec.start)
            if start is None:
                continue
            due, note = self.due(spec, start)
            if spec.name in chosen and chosen[spec.name][0] <= due:
                continue  # an earlier (or equal, nearer) definition wins
            clock = Clock(
                name=spec.name,
                due_at=iso_local(due, self.policy.timezone),
                rule=spec.rule + note,
                started_at=iso_local(start, self.policy.timezone),
            )
            chosen[spec.name] = (due, clock, definition)
        return {name: (clock, d) for name, (_, clock, d) in chosen.items()}

    # -- states ---------------------------------------------------------------------------
    def evaluate(self, clock: Clock, case: Case, now: datetime) -> Clock:
        """The clock's state at `now`: met when its meeting events happened by the due time,
        breached when past due without them (and still breached, with met_at, if met late)."""
        if clock.state == "met":
            return clock
        definition = self.policy.definition(clock.name, clock.rule)
        due = parse_time(clock.due_at)
        met_time = None
        if definition is not None:
            spec = definition.spec
            not_before = None if spec.start == "detected" else parse_time(clock.started_at or due)
            met_time = all_happened_at(case, spec.met_by, now, not_before)
        if met_time is not None:
            state: ClockState = "met" if met_time <= due else "breached"
            met_at: str | None = iso_local(met_time, self.policy.timezone)
        else:
            state = "breached" if now > due or clock.state == "breached" else "running"
            met_at = None
        return clock.model_copy(update={"state": state, "met_at": met_at})

    def clocks_for(self, case: Case, now: datetime) -> list[Clock]:
        """The clocks that apply to `case` at `now`, with their states, soonest due first."""
        clocks = [self.evaluate(c, case, now) for c, _ in self._candidates(case, now).values()]
        return sorted(clocks, key=lambda c: parse_time(c.due_at))

    def refresh(self, case: Case, now: datetime) -> ClockUpdate:
        """Start the clocks that newly apply, tighten running ones, and update every state."""
        existing = {c.name: c for c in case.clocks}
        changes: list[ClockChange] = []
        result: list[Clock] = []
        candidates = self._candidates(case, now)
        for name, clock in existing.items():
            updated, tightened = clock, False
            fresh = candidates.get(name)
            if (
                fresh is not None
                and clock.state == "running"
                and parse_time(fresh[0].due_at) < parse_time(clock.due_at)
            ):
                updated = fresh[0].model_copy(update={"reminders_sent": clock.reminders_sent})
                tightened = True
            updated = self.evaluate(updated, case, now)
            if tightened or updated.state != clock.state:
                changes.append(ClockChange(name, clock.state, updated.state, updated, tightened))
            result.append(updated)
        for name, (clock, _) in candidates.items():
            if name not in existing:
                started = self.evaluate(clock, case, now)
                changes.append(ClockChange(name, None, started.state, started))
                result.append(started)
        result.sort(key=lambda c: parse_time(c.due_at))
        return ClockUpdate(case.model_copy(update={"clocks": result}), changes)


def clocks_for(
    case: Case, policy: PolicyProfile, now: datetime, calendar: WorkdayCalendar | None = None
) -> list[Clock]:
    """The clocks of `case` under `policy` as of `now` (see ClockCalculator.clocks_for)."""
    return ClockCalculator(policy, calendar).clocks_for(case, now)


def update_clock_states(
    case: Case, now: datetime, policy: PolicyProfile, calendar: WorkdayCalendar | None = None
) -> ClockUpdate:
    """Refresh the clocks of `case` at `now`: new ones started, states moved on."""
    return ClockCalculator(policy, calendar).refresh(case, now)


def next_due(case: Case) -> Clock | None:
    """The running clock due soonest, if any (for lists and dashboards)."""
    running = [c for c in case.clocks if c.state == "running"]
    return min(running, key=lambda c: parse_time(c.due_at)) if running else None


def _timed_events(policy: PolicyProfile) -> list[str]:
    """The events whose time decides a clock only once it has come: met_by, applies_to."""
    names: list[str] = []
    for definition in policy.definitions:
        names += definition.spec.met_by
        condition: Condition | None = definition.spec.applies_to
        while condition is not None:
            names += [condition.event] if condition.event else []
            condition = condition.not_
    return list(dict.fromkeys(names))


def next_check(case: Case, policy: PolicyProfile, now: datetime) -> str:
    """When the tick must look at `case` again (ISO 8601), "" when never: the earliest time
    after `now` at which a clock breaches, a reminder or an escalation rung falls due, an
    event recorded ahead of `now` (a clock running ahead) takes effect, or the watch ends.

    An upper bound on what `maintain` may change later, so the tick can skip every case
    whose time has not come; an extra check only costs a look. A new time-based rule in
    `maintain` (alarms.py, watch.py) must add its time here, or the tick will not see it."""
    if case.status not in OPEN_STATUSES:
        return ""
    times: list[datetime] = []
    fractions: list[float] = policy.option("reminders") or []
    ladder = policy.option("escalation") or []
    for clock in case.clocks:
        due = parse_time(clock.due_at)
        if clock.state == "running":
            times.append(due)
            if clock.started_at:
                start = parse_time(clock.started_at)
                times += [start + (due - start) * f for f in fractions]
        if clock.state != "met" and clock.met_at is None:
            times += [due + timedelta(hours=rung.after_hours) for rung in ladder]
    for name in _timed_events(policy):
        times += event_times(case, name)
    if case.status == "watching":
        until = watch_until(case)
        times += [until] if until is not None else []
    later = [t for t in times if t > now]
    if not later:
        return ""
    # to the second, rounded up: a check a moment early would find nothing to do
    return iso_local(min(later) + timedelta(microseconds=999_999), policy.timezone)
