"""The event index's compact signatures and the SQLite StateStore's batched paths.

- a packed signature reads back as the array, and an old "sig:" JSON list still reads, so
  an event indexed before the compact format still takes its near-duplicates;
- `put_many_if_absent` in one read and one `executemany` answers what key-by-key answered,
  expired rows included; the unparsed JSON-string read equals `json.loads`;
- the place locator's pre-split labels give the evidence the label-by-label split gives;
- the casualty reader's skip of texts naming no death or injury changes no count;
- the token scanner's one scan of the new tokens joined finds each token's own matches.
"""

from __future__ import annotations

import json
import time

import numpy as np

from classifiers.bench import make_items
from classifiers.events import SIG_PREFIX, EventIndex, pack_signature, unpack_signature
from classifiers.rules import severity
from classifiers.rules.places import (
    PlaceLocator,
)
from pipeline.storage.sqlite import open_sqlite_stores
from pipeline.storage.sqlite_state import _decode, _encode
from tests.classifiers.conftest import MemoryStateStore, item

TEXT = "定安县龙湖镇居丁村停水第四天了，村里水龙头一滴都没有，镇上的管子爆了在修，家里有老人有小孩"


def test_packed_signature_round_trip() -> None:
    rng = np.random.default_rng(3)
    sig = rng.integers(0, 2**61 - 1, 64, dtype=np.uint64)
    packed = pack_signature(sig)
    assert isinstance(packed, str) and len(packed) < 1000 and json.dumps(packed)[1:-1] == packed
    assert (unpack_signature(packed) == sig).all()
    assert (unpack_signature(sig.tolist()) == sig).all()


def test_old_json_signatures_still_match() -> None:
    """An event stored by the JSON-list version ("sig:" key) is still found."""
    state = MemoryStateStore()
    index = EventIndex(state)
    first = index.assign(item(TEXT, 1), TEXT)
    # rewrite the stored signature the way the previous version stored it
    key = f"{SIG_PREFIX}:{first.event_id}"
    packed = state.get("event_index", key)
    state.delete("event_index", key)
    state.put("event_index", f"sig:{first.event_id}", unpack_signature(packed).tolist())
    again = EventIndex(state).assign(item(TEXT + "。", 2), TEXT + "。")
    assert (again.event_id, again.how) == (first.event_id, "近似重复")


def test_sqlite_put_many_if_absent_and_decode(tmp_path) -> None:
    stores = open_sqlite_stores(tmp_path / "s.sqlite")
    st = stores.state
    st.put("ns", "old", "gone", time.time() - 5)  # expired: replaced
    st.put("ns", "live", {"a": [1, 2]})
    entries = {"live": "x", "old": "new", "fresh": [1, 2**63], "q": 'say "hi"\\n'}
    assert st.put_many_if_absent("ns", entries) == {
        "live": {"a": [1, 2]},
        "old": "new",
        "fresh": [1, 2**63],
        "q": 'say "hi"\\n',
    }
    assert st.get_many("ns", ["old", "fresh", "q", "nope"]) == {
        "old": "new",
        "fresh": [1, 2**63],
        "q": 'say "hi"\\n',
    }
    keys = [f"k{i}" for i in range(1_203)]  # more than one chunk of 500
    assert st.put_many_if_absent("ns", dict.fromkeys(keys, "v")) == dict.fromkeys(keys, "v")
    assert st.get_many("ns", keys) == dict.fromkeys(keys, "v")
    stores.close()
    for value in ["", "ev-1", "定安", 'a"b', "a\\b", "\n", "\u2028", 3, None, [1, "x"], {"k": 1}]:
        raw = _encode(value)
        assert raw == json.dumps(value, ensure_ascii=False)
        assert _decode(raw) == json.loads(raw)


def test_place_labels_parsed_once_give_the_same_evidence(profile) -> None:
    fast = PlaceLocator(profile)
    sample = [i.text for i in make_items(150, seed=5)]
    town = profile.towns[0]
    sample += [  # a town right after another region, and after its own name
        f"河南新郑{town.name}",
        f"新郑市{town.name}",
        f"{town.name}{town.villages[0].name}",
        "定安路",
        "定安县",
        "海南定安",
        "我县",
        "",
    ]
    found = []
    for text in sample:
        hits = fast.matcher.find(text)
        found.append(fast.locate(text, hits))
        assert found[-1] == fast.locate(text)
    assert sum(bool(ev.town_scores) for ev in found) >= 20
    assert sum(bool(ev.foreign) for ev in found) >= 2


def plain_casualties(text: str) -> severity.Casualties:
    """`casualties` without the skip of the texts that name no death and no injury."""
    deaths = [
        severity.chinese_number(m["n"])
        for r in (severity.DEATHS_BEFORE, severity.DEATHS_AFTER)
        for m in r.finditer(text)
    ]
    injuries = [
        severity.chinese_number(m["n"])
        for r in (severity.INJURIES_BEFORE, severity.INJURIES_AFTER)
        for m in r.finditer(text)
    ]
    for m in severity.SHORT_FORM.finditer(text):
        deaths.append(severity.chinese_number(m["d"]))
        injuries.append(severity.chinese_number(m["i"]))
    return severity.Casualties(max(deaths, default=0), max(injuries, default=0))


def test_casualties_skip_changes_nothing() -> None:
    sample = [i.text for i in make_items(200, seed=6)]
    sample += ["3死5伤", "三人死亡，十余人受伤", "死亡人数达12人", "受伤人数为数十人", "死伤", ""]
    found = [severity.casualties(t) for t in sample]
    assert found == [plain_casualties(t) for t in sample]
    assert sum(c != severity.Casualties() for c in found) >= 4


def test_joined_token_scan_equals_per_token_scan(profile) -> None:
    from classifiers.analysis import ItemAnalyzer

    scanner = ItemAnalyzer(profile).scanner
    assert scanner._joinable
    tokens = {p for i in make_items(80, seed=8) for p in scanner.tokenizer.cut(i.text)}
    tokens |= {"定安县龙湖镇", "县公安局", "定安", "a\x00b", "", "海南省定安县"}
    plain = {}
    for token in tokens:
        entries = [
            (index, hit.word, hit.start, hit.end, hit.labels)
            for index, matcher in enumerate(scanner.matchers)
            for hit in matcher.find(token)
        ]
        if entries:
            plain[token] = entries
    joined = {t for t in tokens if "\x00" not in t}
    assert scanner._find_joined(sorted(joined)) == {t: plain[t] for t in joined if t in plain}
    scanner._memo.clear()
    scanner._learn(tokens)
    assert {t: hits for t, (_, hits) in scanner._memo.items() if hits} == {
        t: tuple(e) for t, e in plain.items()
    }
    assert set(scanner._memo) == tokens


def test_scan_after_the_memo_is_full_equals_a_fresh_scan(profile, monkeypatch) -> None:
    """When the token memo reaches its limit it starts again, and the text that filled it
    is scanned as a fresh scanner scans it (no token of it lost from the memo)."""
    from classifiers import textscan
    from classifiers.analysis import ItemAnalyzer

    texts = [i.text for i in make_items(30, seed=9)]
    fresh = ItemAnalyzer(profile).scanner
    expected = [fresh.scan(t) for t in texts]
    scanner = ItemAnalyzer(profile).scanner
    monkeypatch.setattr(textscan, "MEMO_LIMIT", 150)  # a few texts fill it
    assert [scanner.scan(t) for t in texts] == expected
    assert len(scanner._memo) <= 150 or len(scanner._memo) == len(
        set(scanner.tokenizer.cut(texts[-1]))
    )
