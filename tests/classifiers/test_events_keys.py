"""Same-event reports join through anchor keys (same place, same category, close in time),
on the real SQLite state store: the 南扶水库 rumour, its thread, its rebuttal and the official
notice share one event; unrelated complaints, other reservoirs and old items stay apart; a
replay and two racing workers give the same ids."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from classifiers.baseline import RulesClassifier
from classifiers.event_keys import EventFacts, event_facts, facility_names
from classifiers.events import KEYS_NS, EventIndex
from pipeline.models import Item
from pipeline.profile import JurisdictionProfile
from pipeline.storage.base import StateStore
from pipeline.storage.sqlite import open_sqlite_stores
from tests.classifiers.conftest import item

DAY = "2026-11-22T{}:00+08:00"
RUMOUR = (
    "紧急扩散！南扶水库大坝已经出现大裂缝，今晚随时可能决堤，下游定城镇的赶紧往高处跑，转给家人！"
)
THREAD = "紧急扩散！！定安南扶水库马上要决堤了，下游的赶紧跑"
THREAD_TEXT = (
    "刚收到在水库上班的亲戚消息，南扶水库大坝已经出现裂缝，今晚随时可能决堤！不要等政府通知了！"
)
REBUTTAL = "【辟谣】网传“定安南扶水库即将决堤”不实。经定安县水务局现场核查，南扶水库水位低于汛限水位，大坝运行正常，请勿传谣。"
NOTICE = "定安县关于网传“南扶水库即将决堤”不实信息的情况说明"
NOTICE_TEXT = "近日，网上流传“南扶水库即将决堤”的消息。经县水务局、应急管理局连夜核查，水库大坝安全，系谣言，公安机关已介入调查。"


@pytest.fixture
def state(tmp_path: Path) -> Iterator[StateStore]:
    stores = open_sqlite_stores(tmp_path / "store.sqlite")
    yield stores.state
    stores.close()


@pytest.fixture(scope="module")
def rules(profile: JurisdictionProfile) -> RulesClassifier:
    return RulesClassifier(profile)


def assign(rules: RulesClassifier, index: EventIndex, items: Sequence[Item]) -> list[str]:
    """The event ids of one batch (`assignments`)."""
    return [a.event_id for a in assignments(rules, index, items)]


def assignments(rules: RulesClassifier, index: EventIndex, items: Sequence[Item]) -> list:
    """What ScoringClassifier.score_many does once it passes the facts: analyse, decide,
    then one `assign_many` for the batch."""
    county = rules.analyzer.county.code
    entries = []
    for it in items:
        a = rules.analyzer.analyze(it)
        d = rules.decide(a)
        entries.append((it, a.content, d.relevant, event_facts(a, d, county)))
    return index.assign_many(entries)


def rumour_items() -> list[Item]:
    return [
        item(RUMOUR, 1, published_at=DAY.format("17")),
        item(THREAD_TEXT, 2, title=THREAD, source_type="forum", published_at=DAY.format("13")),
        item("我就住水库边上，水位正常，别造谣了！", 3, parent_id="t-2", source_type="forum"),
        item(REBUTTAL, 4, published_at=DAY.format("19")),
        item(NOTICE_TEXT, 5, title=NOTICE, source_type="gov_site", published_at=DAY.format("23")),
    ]


def test_the_rumour_its_rebuttal_and_the_notice_are_one_event(rules, state) -> None:
    items = rumour_items()
    ids = assign(rules, EventIndex(state), items[:2])  # two batches, as a stream would
    ids += assign(rules, EventIndex(state), items[2:])
    assert len(set(ids)) == 1
    assert state.scan(KEYS_NS)  # the anchor keys are stored, with an expiry
    replay = assign(rules, EventIndex(state), list(reversed(items)))  # a second worker
    assert replay == list(reversed(ids))


def test_a_post_read_after_its_reply_names_the_event_its_keys_point_to(rules, state) -> None:
    """The reply fixes its post's event before the post is read; the post's anchors point
    to the rumour's event: the post says both are one (the alert stage merges the cases)."""
    rumour, thread, reply = rumour_items()[:3]
    first = assignments(rules, EventIndex(state), [rumour, reply])
    assert first[0].event_id != first[1].event_id and not first[1].same_as
    (late,) = assignments(rules, EventIndex(state), [thread])
    assert late.event_id == first[1].event_id  # the reply's answer stands
    assert late.same_as == (first[0].event_id,)
    again = assignments(rules, EventIndex(state), [thread])  # a replay says the same
    assert again == [late]


def test_in_order_the_post_joins_and_names_nothing(rules, state) -> None:
    rumour, thread, reply = rumour_items()[:3]
    got = assignments(rules, EventIndex(state), [rumour, thread, reply])
    assert len({a.event_id for a in got}) == 1
    assert all(a.same_as == () for a in got)


def test_unrelated_complaints_in_one_town_stay_apart(rules, state) -> None:
    fees = item("定城镇见龙小区物业费一下涨了一倍，几百户业主都不同意，物业公司也不公示账目", 1)
    stalls = item("定城镇农贸市场门口占道经营，几十个摊贩把路堵死了，城管也不管，居民出行很不便", 2)
    index = EventIndex(state)
    first, second = assign(rules, index, [fees]), assign(rules, index, [stalls])
    assert first != second


def test_two_reservoirs_stay_apart(rules, state) -> None:
    index = EventIndex(state)
    nanfu = assign(rules, index, [item(RUMOUR, 1)])
    chitian = [
        item("紧急扩散！定安赤田水库出现管涌，今晚随时可能决堤，下游几个村的赶紧往高处跑", 2),
        item("网传定安赤田水库即将决堤，谣言，勿信勿传", 3),
    ]
    ids = assign(rules, index, chitian)
    assert ids[0] == ids[1] != nanfu[0]  # the same reservoir joins, the other does not


def test_items_five_days_apart_stay_apart_and_midnight_joins(rules, state) -> None:
    index = EventIndex(state)
    first = assign(rules, index, [item(RUMOUR, 1, published_at="2026-11-22T23:30:00+08:00")])
    night = item(REBUTTAL, 2, published_at="2026-11-23T00:40:00+08:00")
    later = item(REBUTTAL.replace("辟谣", "再次辟谣"), 3, published_at="2026-11-27T10:00:00+08:00")
    assert assign(rules, index, [night]) == first
    assert assign(rules, index, [later]) != first


def test_irrelevant_items_and_a_town_alone_do_not_cluster(rules, state) -> None:
    index = EventIndex(state)
    a = item("定城镇某小区停水两天了，几百户居民没水用，物业说是管道坏了", 1)
    b = item("定城镇一条路的路灯坏了半个月，几百户居民晚上出行不便，好多人摔倒，没人管", 2)
    ads = [item("南扶水库钓鱼好去处，周末约起，出租钓具", n) for n in (3, 4)]
    ids = assign(rules, index, [a, b, *ads[:1]]) + assign(rules, index, ads[1:])
    assert len(set(ids)) == 4


def test_racing_workers_get_the_same_event(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    open_sqlite_stores(path).close()
    rounds = 6
    results: dict[int, list[str]] = {0: [], 1: []}
    barrier = threading.Barrier(2)

    def worker(w: int) -> None:
        stores = open_sqlite_stores(path)
        index = EventIndex(stores.state)
        try:
            for r in range(rounds):
                facts = EventFacts(("rumor",), (("469021", f"水库{r}水库"),))
                it = item(f"w{w}r{r}", 100 * w + r, published_at=DAY.format("10"))  # no MinHash
                barrier.wait()
                results[w].append(index.assign_many([(it, it.text, True, facts)])[0][0])
        finally:
            stores.close()

    threads = [threading.Thread(target=worker, args=(w,)) for w in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results[0] == results[1], results
    assert len(set(results[0])) == rounds


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("我家住在南扶水库旁边", ["南扶水库"]),
        ("岭口镇一建筑工地40余名农民工讨薪", ["岭口工地"]),
        ("翰林镇中学食堂、翰林中学", ["翰林中学", "翰林中学"]),
        ("龙门镇中心小学要撤并", ["龙门中心小学"]),
        ("定城镇见龙大道一家商铺着火", ["见龙大道"]),
        ("伤者被送往县人民医院救治", []),
        ("推进农村人居环境整治，我们村也是", []),
    ],
)
def test_facility_names(profile: JurisdictionProfile, text: str, names: list[str]) -> None:
    rules = RulesClassifier(profile)
    assert [n for n, _, _ in facility_names(text, rules.analyzer.short_towns)] == names
