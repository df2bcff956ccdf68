"""Cases on the real SQLite store: open on the threshold, merge, replay, concurrent writers."""

from __future__ import annotations

from datetime import timedelta

from alerts.cases import CaseBuilder, case_id_for, title_of
from alerts.escalation import ClockNarrator
from alerts.opener import CaseOpener
from alerts.policy_options import OpeningRule as OpeningThreshold
from pipeline.models import Case, parse_time
from pipeline.storage.base import CaseQuery, CaseStore, Stores
from tests.alerts.conftest import T0, at, calculator
from tests.factories import make_scored


def opener(stores: Stores, profile: str = "dingan-2016", **threshold: object) -> CaseOpener:
    builder = CaseBuilder(ClockNarrator(calculator(profile)))
    return CaseOpener(stores.cases, lambda _profile: builder, OpeningThreshold(**threshold))


def only_case(stores: Stores) -> Case:
    (case,) = stores.cases.list(CaseQuery())
    return case


def test_an_item_over_the_threshold_opens_a_case(stores: Stores) -> None:
    item = make_scored(1)
    result = opener(stores).apply([item], at(minutes=5))
    case = only_case(stores)
    assert result.opened == [case.case_id] == [case_id_for("dingan", "evt-1")]
    assert case.status == "new" and case.items == ["item-1"]
    assert case.detected_at == item.crawled_at
    assert parse_time(case.opened_at) == at(minutes=5)
    assert case.title == item.title
    assert case.lead_department.code == "water" and case.lead_department.role == "lead"
    assert [d.code for d in case.co_departments] == ["town_longhu"]
    assert case.jurisdiction.name == "龙湖镇"
    assert {c.name for c in case.clocks} == {"response"}
    assert case.timeline[0].actor == "system" and case.timeline[0].what.startswith("立案")
    assert "建议牵头部门: 县水务局" in case.timeline[0].what
    assert case.timeline[1].what.startswith("启动时限: 回应")


def test_case_ids_are_stable_and_distinct() -> None:
    assert case_id_for("dingan", "evt-1") == case_id_for("dingan", "evt-1")
    assert case_id_for("dingan", "evt-1") != case_id_for("dingan", "evt-2")
    assert case_id_for("dingan", "evt-1") != case_id_for("other", "evt-1")


def test_the_threshold(stores: Stores) -> None:
    quiet = {"categories": [], "risk": 10, "importance": "ordinary"}
    items = [
        make_scored(1, **quiet),  # nothing: no case
        make_scored(2, **{**quiet, "relevant": False, "risk": 99}),  # irrelevant: no case
        make_scored(3, **{**quiet, "risk": 70}),  # risk over 60
        make_scored(4, **{**quiet, "importance": "important"}),
        make_scored(5, **{**quiet, "superior_request": True}),
        make_scored(6, categories=["rumor"], risk=5),
    ]
    result = opener(stores).apply(items, T0)
    assert sorted(c.event_id for c in stores.cases.list(CaseQuery())) == [
        "evt-3",
        "evt-4",
        "evt-5",
        "evt-6",
    ]
    assert result.skipped == 2
    strict = opener(stores, min_risk=90, on_category=False)
    assert not strict.threshold.crosses(make_scored(7, risk=80))
    assert "上级要求回应" in stores.cases.get(case_id_for("dingan", "evt-5")).timeline[0].what


def test_replay_opens_no_duplicate_and_lists_each_item_once(stores: Stores) -> None:
    items = [make_scored(1), make_scored(2, event_id="evt-1"), make_scored(3, event_id="evt-1")]
    opener(stores).apply(items, T0)
    first = only_case(stores)
    replay = opener(stores).apply(items, at(hours=1))
    again = only_case(stores)
    assert replay.opened == [] and replay.merged == []
    assert again.items == ["item-1", "item-2", "item-3"]
    assert again.version == first.version and again == first
    for item in items:  # one at a time, as a second worker would see them
        opener(stores).apply([item], at(hours=2))
    assert only_case(stores) == first


def test_earlier_items_of_the_event_are_evidence_when_its_case_opens(stores: Stores) -> None:
    """Below the threshold they opened nothing; once the case opens they are its evidence,
    whether they came in the same batch or were stored before (the classify stage stores
    every scored item before the alert stage sees it)."""
    stored = make_scored(1, categories=[], risk=5, crawled_at="2026-11-20T08:00:00+08:00")
    noise = make_scored(4, relevant=False, categories=[], risk=0, event_id="evt-1")
    stores.items.put_many([stored, noise])
    below = make_scored(2, event_id="evt-1", categories=[], risk=5)
    above = make_scored(3, event_id="evt-1")
    with_items = CaseOpener(
        stores.cases,
        lambda _profile: CaseBuilder(ClockNarrator(calculator("dingan-2016"))),
        OpeningThreshold(),
        items=stores.items,
    )
    with_items.apply([below, above], T0)
    case = only_case(stores)
    assert sorted(case.items) == ["item-1", "item-2", "item-3"]  # not the irrelevant one
    assert case.detected_at == stored.crawled_at  # the earliest sighting
    opener(stores).apply([make_scored(5, event_id="evt-1", categories=[], risk=1)], T0)
    assert "item-5" in only_case(stores).items  # a later item joins anyway


def test_merge_raises_severity_importance_risk_and_adds_clocks(stores: Stores) -> None:
    opener(stores).apply([make_scored(1, risk=40)], T0)
    grave = make_scored(
        2,
        event_id="evt-1",
        categories=["emergency"],
        severity="especially_major",
        importance="important",
        risk=95,
        departments=[{"code": "emergency", "name": "县应急管理局", "role": "lead", "why": "突发"}],
    )
    result = opener(stores).apply([grave], at(minutes=30))
    case = only_case(stores)
    assert result.merged == [case.case_id]
    assert case.severity == "especially_major" and case.importance == "important"
    assert case.risk == 95
    assert case.categories == ["public_interest", "emergency"]
    assert case.lead_department.code == "water"  # the first proposal stays lead
    assert [d.code for d in case.co_departments] == ["town_longhu", "emergency"]
    clocks = {c.name: c for c in case.clocks}
    assert set(clocks) == {"response", "report_up", "first_response", "press_conference"}
    assert clocks["press_conference"].rule.startswith("定安县政府办")
    assert parse_time(clocks["report_up"].due_at) == parse_time(case.detected_at) + timedelta(
        hours=1
    )
    merged = next(e for e in case.timeline if e.detail.get("event") == "merged")
    assert "严重程度 无 → 特别重大" in merged.what and "重要程度 一般 → 重要" in merged.what
    # a milder later item lowers nothing
    opener(stores).apply([make_scored(3, event_id="evt-1", severity="general", risk=10)], T0)
    case = only_case(stores)
    assert case.severity == "especially_major" and case.risk == 95
    assert case.items == ["item-1", "item-2", "item-3"]


def test_an_earlier_sighting_moves_detection_and_tightens_clocks(stores: Stores) -> None:
    opener(stores).apply([make_scored(10)], T0)
    late_news = make_scored(1, event_id="evt-10")  # crawled 9 minutes earlier elsewhere
    opener(stores).apply([late_news], T0)
    case = only_case(stores)
    assert case.detected_at == late_news.crawled_at
    response = next(c for c in case.clocks if c.name == "response")
    assert parse_time(response.due_at) == parse_time(late_news.crawled_at) + (at(hours=48) - T0)


def test_title_from_text_when_the_item_has_none() -> None:
    item = make_scored(1, title="", text="定城镇" * 30)
    assert title_of(item) == ("定城镇" * 14)[:40] + "…"


class RacingCaseStore(CaseStore):
    """The real store, with another writer updating the case just before our first update."""

    def __init__(self, real: CaseStore, rival: CaseBuilder):
        self.real, self.rival, self.raced = real, rival, False

    def get(self, case_id):
        return self.real.get(case_id)

    def create(self, case):
        return self.real.create(case)

    def list(self, query=None):
        return self.real.list(query)

    def update(self, case):
        if not self.raced:
            self.raced = True
            current = self.real.get(case.case_id)
            self.real.update(self.rival.merge(current, make_scored(9, event_id="evt-1"), T0))
        return self.real.update(case)


def test_a_lost_write_is_retried_on_a_fresh_read(stores: Stores) -> None:
    opener(stores).apply([make_scored(1)], T0)
    builder = CaseBuilder(ClockNarrator(calculator("dingan-2016")))
    racing = CaseOpener(RacingCaseStore(stores.cases, builder), lambda _p: builder)
    racing.apply([make_scored(2, event_id="evt-1")], T0)
    case = only_case(stores)
    assert case.items == ["item-1", "item-9", "item-2"]
    assert case.version == 2


def test_a_second_worker_opening_the_same_case_merges_instead(stores: Stores) -> None:
    builder = CaseBuilder(ClockNarrator(calculator("dingan-2016")))

    class LateCreate(RacingCaseStore):
        def get(self, case_id):  # our worker saw no case yet…
            return None if not self.raced else self.real.get(case_id)

        def create(self, case):  # …but the other worker created it first
            self.raced = True
            self.real.create(builder.new_case(make_scored(1), T0))
            return self.real.create(case)

    racing = CaseOpener(LateCreate(stores.cases, builder), lambda _p: builder)
    result = racing.apply([make_scored(2, event_id="evt-1")], T0)
    assert result.opened == [] and len(result.merged) == 1
    assert only_case(stores).items == ["item-1", "item-2"]


def test_title_follows_the_original_post_whatever_the_arrival_order(tmp_path) -> None:
    """The case is named by the earliest original post, not by a reply that arrived first."""
    from pipeline.storage.sqlite import open_sqlite_stores

    post = make_scored(1, title="南扶水库要决堤了？", event_id="evt-x",
                       published_at="2026-11-20T02:00:00+00:00")  # fmt: skip
    reply = make_scored(2, title="", text="回复：我就住水库边上，大坝好好的，别造谣了", parent_id="item-1",
                        event_id="evt-x", published_at="2026-11-20T03:00:00+00:00")  # fmt: skip
    titles = []
    for order, folder in (([post, reply], "a"), ([reply, post], "b")):
        stores = open_sqlite_stores(tmp_path / folder / "store.sqlite")
        try:
            for item in order:  # one batch each: the arrival order is the only difference
                opener(stores).apply([item], at(minutes=5))
            titles.append(only_case(stores).title)
        finally:
            stores.close()
    assert titles == ["南扶水库要决堤了？", "南扶水库要决堤了？"]
