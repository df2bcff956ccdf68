"""Event ids: a repost shares its source's event, a reply its parent's, unrelated items
differ, and a second call with the same state store gives the same ids."""

from __future__ import annotations

from classifiers.baseline import RulesClassifier
from classifiers.events import NAMESPACE
from pipeline.profile import JurisdictionProfile
from tests.classifiers.conftest import MemoryStateStore, item

POST = "定安县龙湖镇居丁村已经连续停水三天，村民们只能去井里挑水，打了电话也没人管，希望水务局尽快解决。"


def test_repost_and_reply_share_the_event_and_replay_is_stable(profile: JurisdictionProfile):
    state = MemoryStateStore()
    first = RulesClassifier(profile, state=state)
    original = first.score(item(POST, 1, source_name="定安论坛"))
    repost = first.score(item("转发：" + POST + " //@某网友：太难了", 2))
    reply = first.score(item("顶", 3, parent_id="t-1"))
    other = first.score(item("定安县黄竹镇发生车祸，造成三人死亡，十余人受伤，交警已到场处置。", 4))
    assert repost.event_id == original.event_id == reply.event_id
    assert other.event_id != original.event_id
    assert state.get(NAMESPACE, "item:t-2") == original.event_id

    again = RulesClassifier(profile, state=state)  # another worker, or a restart
    ids = [
        again.score(item(POST, 1)).event_id,
        again.score(item("顶", 3, parent_id="t-1")).event_id,
    ]
    assert ids == [original.event_id] * 2


def test_reply_before_its_parent_still_joins_it(profile: JurisdictionProfile) -> None:
    state = MemoryStateStore()
    c = RulesClassifier(profile, state=state)
    reply = c.score(item("同问，我们村也是", 9, parent_id="t-8"))
    parent = c.score(item(POST, 8))
    assert reply.event_id == parent.event_id


def test_index_entries_expire(profile: JurisdictionProfile) -> None:
    state = MemoryStateStore()
    RulesClassifier(profile, state=state, event_window_days=1).score(item(POST, 1))
    expiries = {exp for _, exp in state.data.values()}
    assert expiries and None not in expiries


def test_two_workers_on_one_sqlite_index_agree_on_near_duplicates(tmp_path) -> None:
    """Two workers (each its own connection) index the same posts and reposts at once, one
    of them reposts first: whoever claims an item first names its event, and the other
    reads that claim back (the store's batched put-if-absent), so both give every item the
    same event id."""
    import threading

    from classifiers.bench import make_items
    from classifiers.events import EventIndex
    from pipeline.storage.sqlite import open_sqlite_stores

    posts = make_items(60, length=120, seed=4)
    reposts = [p.model_copy(update={"id": p.id + "-rp", "text": "转发：" + p.text}) for p in posts]
    streams = [
        [it for pair in zip(posts, reposts, strict=True) for it in pair],
        [it for pair in zip(reposts, posts, strict=True) for it in pair],
    ]
    path = tmp_path / "store.sqlite"
    open_sqlite_stores(path).close()
    barrier = threading.Barrier(2)
    results: dict[int, dict[str, str]] = {0: {}, 1: {}}

    def worker(w: int) -> None:
        stores = open_sqlite_stores(path)
        index = EventIndex(stores.state)
        try:
            for start in range(0, len(streams[w]), 20):
                batch = streams[w][start : start + 20]
                barrier.wait()
                got = index.assign_many([(it, it.text, True) for it in batch])
                results[w].update((it.id, a.event_id) for it, a in zip(batch, got, strict=True))
        finally:
            stores.close()

    threads = [threading.Thread(target=worker, args=(w,)) for w in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(results[0]) == 2 * len(posts)
    assert results[0] == results[1]
    assert len(set(results[0].values())) < 2 * len(posts)  # reposts joined their posts


def test_the_index_on_elasticsearch_gives_the_sqlite_ids_and_replays(tmp_path, es_url) -> None:
    """The same stream (posts, reposts, a repeat) through the event index over each state
    store gives the same event ids; a replay over Elasticsearch gives them again."""
    from classifiers.bench import make_items
    from classifiers.events import EventIndex
    from pipeline.storage.elasticsearch import open_elasticsearch_stores
    from pipeline.storage.sqlite import open_sqlite_stores
    from tests.servers import unique

    posts = make_items(30, length=120, seed=6)
    reposts = [p.model_copy(update={"id": p.id + "-rp", "text": p.text + "（转）"}) for p in posts]
    stream = posts[:15] + reposts + posts[15:] + posts[:5]

    def ids(stores) -> list[str]:
        index = EventIndex(stores.state)
        out = []
        for start in range(0, len(stream), 20):
            batch = stream[start : start + 20]
            out += [a.event_id for a in index.assign_many([(it, it.text, True) for it in batch])]
        return out

    sqlite = open_sqlite_stores(tmp_path / "store.sqlite")
    es = open_elasticsearch_stores(es_url, prefix=unique("ev").lower())
    try:
        expected = ids(sqlite)
        assert len(set(expected)) == len(posts)  # every repost joined its post
        assert ids(es) == expected
        assert ids(es) == expected  # a replay
    finally:
        sqlite.close()
        es.close()
