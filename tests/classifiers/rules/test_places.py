"""Towns via their names, villages and landmarks; neighbours and namesakes elsewhere."""

from __future__ import annotations

import pytest

from tests.classifiers.conftest import item


@pytest.mark.parametrize(
    ("text", "town", "code"),
    [
        ("定安县龙湖镇居丁村停水三天，村民们很着急", "龙湖镇", "469021102"),
        ("居丁村村民反映停水，海南定安", "龙湖镇", "469021102"),
        ("南丽湖景区门票涨价，游客们吐槽，海南定安", "雷鸣镇", "469021104"),
        ("定安县母瑞山景区道路塌方", "翰林镇", "469021108"),
        ("定安县富文镇大坡村修路扰民", "富文镇", "469021109"),
        ("定安县定城镇莫村停电，村民们很着急", "定城镇", "469021100"),
    ],
)
def test_town_found(classifier, text: str, town: str, code: str) -> None:
    s = classifier.score(item(text))
    assert s.relevant
    assert (s.jurisdiction.name, s.jurisdiction.code, s.jurisdiction.level) == (town, code, "town")


def test_ambiguous_village_alone_stays_at_county(classifier) -> None:
    s = classifier.score(item("定安县大坡村修路，村民们出行难"))  # 大坡村: 黄竹镇 and 富文镇
    assert (s.jurisdiction.name, s.jurisdiction.level) == ("定安县", "county")
    assert s.jurisdiction.code == "469021"


@pytest.mark.parametrize(
    "text",
    [
        "河南省新郑市龙湖镇一厂房发生火灾，造成两人受伤。",
        "河南新郑龙湖镇一厂房发生火灾",
        "上海市定安路一小区突然停电，居民被困电梯。",
        "海口市美兰区大面积停水，海口市民纷纷抱怨。",
        "琼海市嘉积镇一学校发生食物中毒，琼海市卫健委已介入。",
        "台湾新竹县发生地震，暂无人员伤亡报告。",
    ],
)
def test_namesakes_and_neighbours_are_not_ours(classifier, text: str) -> None:
    assert not classifier.score(item(text)).relevant


def test_local_source_makes_weak_anchors_count(classifier) -> None:
    forum = classifier.score(item("居丁村停水三天了，村民们很着急", source_name="定安论坛"))
    elsewhere = classifier.score(item("石门村停水三天了，村民们很着急", source_name="微博"))
    assert forum.relevant and forum.jurisdiction.name == "龙湖镇"
    assert not elsewhere.relevant
