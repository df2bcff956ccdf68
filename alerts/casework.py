"""The case desk: runs one workflow step on a stored case — load, step, clocks and alerts,
outbox, write (retried on a lost race), then the training label. The CLI and the dashboard
call this; the steps themselves are pure (workflow.py, responses.py, special_steps.py,
merging.py). A step that fails leaves the case unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from alerts.cases import case_id_for
from alerts.corrections import LabelWriter
from alerts.escalation import save_with_retry
from alerts.localtime import iso_local
from alerts.merging import absorb_many, check, dismiss
from alerts.notices import Outbox
from alerts.resolver import PolicyResolver
from alerts.status import WorkflowError
from alerts.steps import StepContext, department
from alerts.steps import town as find_town
from pipeline.config import Settings
from pipeline.models import CATEGORIES, Case, Jurisdiction, TimelineEntry, now_utc
from pipeline.storage.base import Stores

Step = Callable[[Case, StepContext], Case]
ORIGINS = {"superior_request": "上级要求回应", "referral": "联席会议转办"}


class CaseDesk:
    """Workflow steps on the stored cases, as one actor at one time."""

    def __init__(
        self,
        stores: Stores,
        settings: Settings,
        clock: Callable[[], datetime] = now_utc,
        resolver: PolicyResolver | None = None,
    ):
        self.stores = stores
        self.settings = settings
        self.clock = clock
        self.resolver = resolver or PolicyResolver.from_settings(settings)
        self.outbox = Outbox(stores.state)
        self.labels = LabelWriter(stores.state, settings.data_dir)

    def get(self, case_id: str, step: str = "show", lean: bool = False) -> Case:
        """The stored case (`lean`: without its evidence ids, CaseStore.get_lean)."""
        cases = self.stores.cases
        case = cases.get_lean(case_id) if lean else cases.get(case_id)
        if case is None:
            raise WorkflowError(case_id, step, "没有这个案件", "no_such_case")
        return case

    def context(self, case: Case, actor: str, now: datetime) -> StepContext:
        return StepContext(actor=actor, now=now, directory=self.resolver.directory(case.profile))

    def run(self, case_id: str, step: str, actor: str, do: Step) -> Case:
        """Apply `do` to the case as `actor` now; returns the stored case."""
        self.get(case_id, step)
        now = self.clock()
        before: list[Case] = []

        def mutate(fresh: Case) -> Case:
            before[:] = [fresh]
            changed = self.resolver.maintain(do(fresh, self.context(fresh, actor, now)), now)
            self.outbox.put_case(changed)
            return changed

        saved = save_with_retry(self.stores.cases, case_id, mutate)
        assert saved is not None  # mutate always returns a case
        self.stores.cases.refresh()  # every screen's lists show the step at once
        self.labels.write_new(before[0], saved)
        return saved

    def merge(self, absorbed_id: str, target_id: str, actor: str) -> tuple[Case, Case]:
        """Merge `absorbed_id` into `target_id`: the target first, so a crash in between
        leaves the items in both, never in none; a retry is refused as already merged."""
        absorbed, target = self.get(absorbed_id, "merge"), self.get(target_id, "merge")
        check(absorbed, target)  # first: raises with both unchanged
        gone, grown, refused = self.merge_many([absorbed_id], target_id, actor)
        if refused:
            raise refused[0][1]
        assert grown is not None
        return gone[0], self.get(target_id, "merge") if grown.lean else grown  # whole, to show

    def merge_many(
        self, absorbed_ids: list[str], target_id: str, actor: str, brief: bool = False
    ) -> tuple[list[Case], Case | None, list[tuple[str, WorkflowError]]]:
        """Merge every case of `absorbed_ids` into `target_id` with one write of the target
        (then one per absorbed case, marking it merged): (the absorbed cases as stored, the
        target (lean: without its evidence ids), the ones refused with why). A case that may
        not be merged stays unchanged. `brief`: the system's merge of one event
        (merging.absorb_many)."""
        target = self.get(target_id, "merge", lean=True)
        now = self.clock()
        refused: list[tuple[str, WorkflowError]] = []
        wanted: list[str] = []
        for case_id in dict.fromkeys(absorbed_ids):
            try:
                check(self.get(case_id, "merge", lean=True), target)
                wanted.append(case_id)
            except WorkflowError as exc:
                refused.append((case_id, exc))
        if not wanted:
            return [], None, refused
        ctx = self.context(target, actor, now)

        def grow(fresh: Case) -> Case:  # `fresh` lean: the target's ids stay in the store
            sources = []
            for case_id in wanted:
                source = self.get(case_id, "merge")  # whole: its ids move
                check(source, fresh)
                sources.append(source)
            moving = [i for source in sources for i in source.items]
            held = self.stores.cases.has_items(target_id, moving) if fresh.lean else None
            grown = absorb_many(sources, fresh, ctx, brief, held)
            changed = self.resolver.maintain(grown, now)
            self.outbox.put_case(changed)
            return changed

        grown = save_with_retry(self.stores.cases, target_id, grow, lean=True)
        assert grown is not None

        def shrink(fresh: Case) -> Case:
            check(fresh, grown)
            return dismiss(fresh, grown, ctx)

        gone = []
        for case_id in wanted:
            done = save_with_retry(self.stores.cases, case_id, shrink)
            assert done is not None
            gone.append(done)
        self.stores.cases.refresh()
        return gone, grown, refused

    def open_manual(
        self,
        actor: str,
        origin: str,
        title: str,
        text: str = "",
        requested_by: str = "",
        categories: list[str] | None = None,
        importance: str = "ordinary",
        severity: str | None = None,
        town: str | None = None,
        lead: str | None = None,
        profile: str | None = None,
        event_id: str | None = None,
    ) -> Case:
        """A case opened by hand: what a superior government asks to be answered (上级要求回应)
        or what the joint meeting refers (转办). The same request twice is refused."""
        if origin not in ORIGINS:
            raise WorkflowError("-", "open", f"未知的立案来源「{origin}」", "unknown_origin")
        if not title.strip():
            raise WorkflowError("-", "open", "请填写标题", "title_required")
        profile = profile or self.settings.profile
        now = self.clock()
        digest = hashlib.sha256(f"{origin}\x00{title}\x00{text}".encode()).hexdigest()[:16]
        event_id = event_id or f"manual-{digest}"
        case_id = case_id_for(profile, event_id)
        directory = self.resolver.directory(profile)
        where = Jurisdiction(
            name=directory.jurisdiction if directory else profile,
            code=directory.code if directory else "",
            level="county",
        )
        draft = Case(
            case_id=case_id,
            profile=profile,
            event_id=event_id,
            title=title.strip(),
            categories=[],
            importance=importance,  # type: ignore[arg-type]
            severity=severity,  # type: ignore[arg-type]
            jurisdiction=where,
            detected_at=iso_local(now),
            opened_at=iso_local(now),
        )
        ctx = StepContext(actor=actor, now=now, directory=directory)
        unknown = [c for c in categories or () if c not in CATEGORIES]
        if unknown:
            raise WorkflowError(case_id, "open", f"未知类别「{unknown[0]}」", "unknown_category")
        update: dict[str, Any] = {"categories": list(dict.fromkeys(categories or ()))}
        if lead:
            update["lead_department"] = department(
                draft, "open", ctx, lead, "lead", ORIGINS[origin]
            )
        if town:
            update["jurisdiction"] = find_town(draft, "open", ctx, town)
        what = f"立案（{ORIGINS[origin]}）: {title}" + (
            f"（来自 {requested_by}）" if requested_by else ""
        )
        opened = TimelineEntry(
            at=iso_local(now),
            actor=actor,
            what=what,
            detail={
                "event": "opened",
                "origin": origin,
                "requested_by": requested_by,
                "text": text,
            },
        )
        case = draft.model_copy(update={**update, "timeline": [opened]})
        case = self.resolver.maintain(case, now)
        self.outbox.put_case(case)
        if not self.stores.cases.create(case):
            raise WorkflowError(case_id, "open", "这一要求已经立案", "already_open")
        self.stores.cases.refresh()
        return case


def summary(case: Case) -> dict[str, Any]:
    """A short JSON-able view of a case for `--json` step output."""
    return {
        "case_id": case.case_id,
        "status": case.status,
        "version": case.version,
        "clocks": [c.model_dump() for c in case.clocks],
        "last": case.timeline[-1].model_dump() if case.timeline else None,
    }
