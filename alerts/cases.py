"""Cases from items: a new case from the item that crosses the threshold, later items of the
event merged in (opener.py applies them to the store).

The case id is derived from (profile, event_id), so a replay or a second worker lands on the
same case. Merging only raises (severity, importance, risk) or adds (items, categories,
departments, responses the crawler found), so applying an item twice changes nothing the
second time. A merged item of a closed case is a recurrence (watch.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import UTC, datetime

from alerts.escalation import SYSTEM, ClockNarrator
from alerts.labels import IMPORTANCE_LABELS, SEVERITY_RANK, categories_text, severity_text
from alerts.localtime import iso_local
from alerts.policy import PolicyProfile
from alerts.responses import CRAWLER, RESPONSE_LABELS, official_reply
from alerts.steps import take_running
from alerts.watch import on_recurrence
from pipeline.models import Case, ScoredItem, TimelineEntry, parse_time
from pipeline.profile import JurisdictionProfile

TITLE_CHARS = 40


def case_id_for(profile: str, event_id: str) -> str:
    """Stable case id of an event: the same on every replay and every worker."""
    digest = hashlib.sha256(f"{profile}\x00{event_id}".encode()).hexdigest()[:20]
    return f"case-{digest}"


def title_of(item: ScoredItem) -> str:
    if item.title.strip():
        return item.title.strip()
    text = " ".join(item.text.split())
    return text[:TITLE_CHARS] + ("…" if len(text) > TITLE_CHARS else "")


def place_key(item: ScoredItem) -> list[object]:
    """Which item's place the case takes: a town over the county, then the earliest post
    (published_at, then the item id) — not crawl time or arrival order, which differ from
    run to run and between backends."""
    published = parse_time(item.published_at).astimezone(UTC).isoformat()
    return [0 if item.jurisdiction.level == "town" else 1, published, item.id]


def title_key(item: ScoredItem) -> list[object]:
    """Which item names the case: an original post over a reply, then the earliest post —
    so the title does not depend on arrival order either."""
    published = parse_time(item.published_at).astimezone(UTC).isoformat()
    return [1 if item.parent_id else 0, published, item.id]


def _current_key(case: Case, name: str = "place_from") -> list[object] | None:
    for entry in reversed(case.timeline):
        if name in entry.detail:
            return list(entry.detail[name])
    return None


def _entry(now: datetime, what: str, **detail: object) -> TimelineEntry:
    return TimelineEntry(at=iso_local(now), actor=SYSTEM, what=what, detail=dict(detail))


class CaseBuilder:
    """Pure case changes from items: a new case, or an item merged into one."""

    def __init__(
        self,
        narrator: ClockNarrator,
        policy: PolicyProfile | None = None,
        directory: JurisdictionProfile | None = None,
    ):
        self.narrator = narrator
        self.policy = policy or narrator.calculator.policy
        self.directory = directory

    def new_case(self, item: ScoredItem, now: datetime) -> Case:
        lead = next((d for d in item.departments if d.role == "lead"), None)
        case = Case(
            case_id=case_id_for(item.profile, item.event_id),
            profile=item.profile,
            event_id=item.event_id,
            title=title_of(item),
            categories=list(item.categories),
            severity=item.severity,
            importance=item.importance,
            risk=item.risk,
            jurisdiction=item.jurisdiction,
            lead_department=lead,
            co_departments=[d for d in item.departments if d is not lead],
            items=[item.id],
            detected_at=item.crawled_at,
            opened_at=iso_local(now),
        )
        what = f"立案: {case.title}（类别 {categories_text(case.categories)}，风险 {item.risk}"
        what += "，上级要求回应）" if item.superior_request else "）"
        if lead is not None:
            what += f"；建议牵头部门: {lead.name}（待研判确认）"
        origin = "superior_request" if item.superior_request else "crawler"
        case.timeline.append(
            _entry(
                now,
                what,
                event="opened",
                item=item.id,
                explanation=item.explanation,
                origin=origin,
                place_from=place_key(item),
                title_from=title_key(item),
            )
        )
        self._take_official_reply(case, item, now)
        early = self.policy.option("assign_at_once")
        if early is not None and item.risk >= early.min_risk and lead is not None:
            names = "、".join(d.name for d in [lead, *case.co_departments])
            case.timeline.append(
                _entry(
                    now,
                    f"即时交办: {names}（风险 {item.risk} ≥ {early.min_risk}，研判在后）",
                    event="assigned",
                    departments=[d.code for d in [lead, *case.co_departments]],
                    early=True,
                )
            )
        return self.narrator.refresh(case, now)

    def _take_official_reply(self, case: Case, item: ScoredItem, now: datetime) -> None:
        """A response the crawler found counts as published (review approved, actor crawler);
        one the case already holds (the same id) is not added again."""
        reply = official_reply(item, case, self.directory)
        if reply is None or any(r.id == reply.id for r in case.responses):
            return
        case.responses.append(reply)
        by = f"{reply.department.name}，" if reply.department else ""
        what = (
            f"发现官方回应（{RESPONSE_LABELS[reply.kind]}，{by}{reply.id}）: "
            f"{item.source_name} {reply.text[:40]}"
        )
        case.timeline.append(
            TimelineEntry(
                at=iso_local(now),
                actor=CRAWLER,
                what=what,
                detail={
                    "event": "official_reply",
                    "item": item.id,
                    "response": len(case.responses),
                    "response_id": reply.id,
                },
            )
        )

    def merge(self, case: Case, item: ScoredItem, now: datetime) -> Case | None:
        """`case` with `item` merged in, or None when the item changes nothing (a replay)."""
        return self.merge_many(case, [item], now)

    def merge_many(
        self,
        case: Case,
        items: list[ScoredItem],
        now: datetime,
        stored: Collection[str] | None = None,
    ) -> Case | None:
        """`case` with `items` merged in one pass, or None when none changes it (a replay).

        One copy of the case, one timeline entry for the batch (what each item changed:
        severity, importance, risk, categories, title, place), one clock refresh: the cost
        of a batch does not grow with the items the case already holds. A lean case
        (`Case.lean`, issue #11) needs `stored`: which of the items' ids the store holds on
        it (`CaseStore.has_items`); its `items` get only the new ids. Official replies and
        recurrences keep an entry each."""
        if case.lean and stored is None:
            raise ValueError(f"case {case.case_id} is lean: which ids it holds is not known")
        known = set(case.items).union(stored or ())
        fresh: list[ScoredItem] = []
        for item in items:
            if item.relevant and item.id not in known:
                known.add(item.id)
                fresh.append(item)
        if not fresh:
            return None
        # the lists this merge appends to are copied; their entries and the clocks are never
        # changed in place (a deep copy of a large case per item was the stage's main cost)
        merged = case.model_copy(
            update={
                "items": [*case.items, *(it.id for it in fresh)],
                "categories": list(case.categories),
                "co_departments": list(case.co_departments),
                "responses": list(case.responses),
                "timeline": list(case.timeline),
            }
        )
        notes: list[str] = []
        keys: dict[str, list[object]] = {}  # the place and title keys this batch moved
        current = {name: _current_key(case, name) for name in ("place_from", "title_from")}
        count = case.n_items
        for item in fresh:
            count += 1
            notes += self._merge_one(merged, item, count, current, keys)
        net = _net(notes)
        made = _entry(
            now, _merged_what(fresh, net), event="merged", **_merged_detail(fresh), **keys
        )
        if not net and not keys:  # only evidence added: one running entry a day
            made = _quiet(merged.timeline, made, fresh)
        merged.timeline.append(made)
        for item in fresh:
            self._take_official_reply(merged, item, now)
        watch = self.policy.option("watch")
        for item in fresh:
            if official_reply(item) is None:
                merged = on_recurrence(merged, item, now, watch, self.directory)
        return self.narrator.refresh(merged, now)

    def _merge_one(
        self,
        merged: Case,
        item: ScoredItem,
        count: int,
        current: dict[str, list[object] | None],
        keys: dict[str, list[object]],
    ) -> list[str]:
        """Raise or extend `merged` (its lists already copied) by one item, with `count`
        items in it now; returns the notes. `current` holds the place and title keys in
        force; the ones this item moves go to `keys` too."""
        notes: list[str] = []
        if SEVERITY_RANK[item.severity] > SEVERITY_RANK[merged.severity]:
            notes.append(
                f"严重程度 {severity_text(merged.severity)} → {severity_text(item.severity)}"
            )
            merged.severity = item.severity
        spread = count >= self.policy.option("spread").important_from_items
        if (item.importance == "important" or spread) and merged.importance != "important":
            why = f"（传播扩大: 信息 {count} 条）" if spread else ""
            notes.append(f"重要程度 {IMPORTANCE_LABELS[merged.importance]} → 重要{why}")
            merged.importance = "important"
        if item.risk > merged.risk:
            notes.append(f"风险 {merged.risk} → {item.risk}")
            merged.risk = item.risk
        added = [c for c in item.categories if c not in merged.categories]
        if added:
            notes.append(f"新增类别 {categories_text(added)}")
            merged.categories.extend(added)
        if parse_time(item.crawled_at) < parse_time(merged.detected_at):
            merged.detected_at = item.crawled_at  # an earlier sighting arrived late
        if merged.status != "new":  # the proposal may still grow until a monitor confirms it
            return notes
        self._propose_departments(merged, item)
        named_by = current["title_from"]
        if named_by and title_key(item) < named_by and title_of(item) != merged.title:
            notes.append(f"标题 → {title_of(item)}")
            merged.title = title_of(item)
            current["title_from"] = keys["title_from"] = title_key(item)
        placed_by = current["place_from"]
        better = (
            place_key(item) < placed_by
            if placed_by
            else (merged.jurisdiction.level != "town" and item.jurisdiction.level == "town")
        )
        if better and item.jurisdiction != merged.jurisdiction:
            merged.jurisdiction = item.jurisdiction
            notes.append(f"属地 → {item.jurisdiction.name}")
            current["place_from"] = keys["place_from"] = place_key(item)
        return notes

    @staticmethod
    def _propose_departments(case: Case, item: ScoredItem) -> None:
        known = {d.code for d in case.co_departments}
        if case.lead_department is not None:
            known.add(case.lead_department.code)
        for dept in item.departments:
            if dept.code in known:
                continue
            if dept.role == "lead" and case.lead_department is None:
                case.lead_department = dept
            else:
                case.co_departments.append(dept.model_copy(update={"role": "co"}))
            known.add(dept.code)


MERGED_LISTED = 3  # the items a batch's "merged" entry names; the rest are counted
MERGED_IDS = 20  # the item ids a "merged" entry lists


def _merged_what(items: list[ScoredItem], notes: list[str]) -> str:
    named = "；".join(f"{it.source_name} {title_of(it)}" for it in items[:MERGED_LISTED])
    if len(items) == 1:
        head = f"合并信息: {named}"
    else:
        more = " 等" if len(items) > MERGED_LISTED else ""
        head = f"合并信息 {len(items)} 条: {named}{more}"
    return "；".join([head, *notes])


def _net(notes: list[str]) -> list[str]:
    """One note per change a batch made more than once (风险 60 → 70 → 85: 风险 60 → 85;
    标题 and 属地: the last), in the order of their first appearance."""
    kept: dict[str, str] = {}
    for note in notes:
        field, _, change = note.partition(" ")
        if field in kept and "→" in change and field in ("严重程度", "风险"):
            before = kept[field].partition(" ")[2].split(" → ")[0]
            kept[field] = f"{field} {before} → {change.split(' → ')[-1]}"
        else:
            kept[field if field in ("严重程度", "风险", "标题", "属地") else note] = note
    return list(kept.values())


def _merged_detail(items: list[ScoredItem]) -> dict[str, object]:
    """`item` for one item (as before batches); for several, `items` names the first
    MERGED_IDS and `count` counts them (every id is on the case's `items`)."""
    if len(items) == 1:
        return {"item": items[0].id}
    return {"item": items[0].id, "items": [it.id for it in items[:MERGED_IDS]], "count": len(items)}


def _quiet(
    timeline: list[TimelineEntry], made: TimelineEntry, items: list[ScoredItem]
) -> TimelineEntry:
    """`made` (a batch that only added evidence) folded into the day's running entry of such
    batches, taken out of `timeline` (a copy) to go last: a case that grows by a few items per
    batch all day gains one entry a day, not one per batch (issue #11)."""
    old = take_running(timeline, made.at[:10], "merged", "quiet")
    if old is not None:
        since = str(old.detail.get("since", old.at))
        total = int(old.detail.get("count", 1)) + len(items)
        named = "；".join(f"{it.source_name} {title_of(it)}" for it in items[:MERGED_LISTED])
        what = f"合并信息 累计 {total} 条（{since[11:16]} 起；最近: {named}）"
        detail = {**made.detail, "count": total, "since": since, "quiet": True}
        return made.model_copy(update={"what": what, "detail": detail})
    return made.model_copy(update={"detail": {**made.detail, "count": len(items), "quiet": True}})
