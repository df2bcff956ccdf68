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
