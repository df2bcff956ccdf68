"""A region's name that names something here is no place reading (issue #6, continued).

"上海路", "北京东路" are streets of ours, "四川口音", "河南腔" ways of speaking, "湖南菜" a
cuisine, "重庆人开的店" and "一个湖南人" a person's origin: none is an event in that region,
so none may veto or weaken a local item. Beside each, the region itself ("去上海路上",
"北京人民医院", "上海街头") must still be read as another place.
"""

from __future__ import annotations

import pytest

from classifiers.rules.relevance import out_of_area
from tests.classifiers.conftest import item


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("湖南路积水严重，沿街店铺被淹，排水沟堵了没人管", "湖南"),
        ("北京东路的下水道堵了一个星期，污水漫到路上", "北京"),
        ("上海路一家店铺占道经营，城管不管", "上海"),
        ("南京大道路灯坏了半个月，晚上一片漆黑", "南京"),
        ("操河南腔的男子在集市上兜售假药，不少老人上当", "河南"),
        ("一个四川口音的男子冒充民警行骗", "四川"),
        ("温州人开的鞋店关门跑路，预付卡退不了", "温州"),
        ("台湾菜馆的老板跑路了，员工工资没发", "台湾"),
    ],
)
def test_a_street_or_speech_named_after_a_region_is_no_veto(analyzer, text, region) -> None:
    a = analyzer.analyze(item(text))
    assert region not in a.places.elsewhere, a.places.elsewhere
    assert out_of_area(a.places, a.content, a.short_towns) is None
    assert "外地" not in a.verdict.reason, a.verdict.reason


@pytest.mark.parametrize(
    "text",
    [
        "县城湖南路积水严重，沿街店铺被淹，排水沟堵了没人管",
        "县城一家重庆人开的店卖过期食品，吃坏了好几个人",
        "一个操着四川口音的男子在县城菜市场行骗，骗走老人三千元",
        "几个深圳人在县城低价收购土地，村民担心被骗",
    ],
)
def test_a_local_item_is_not_weakened_by_them(analyzer, text: str) -> None:
    a = analyzer.analyze(item(text, source_name="定安论坛"))
    assert not a.places.outside(), a.places.outside()
    assert a.verdict.relevant, a.verdict.reason


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("一个湖南人在定安打工被拖欠工资，讨薪无门", "湖南"),
        ("定城镇北京路的路灯坏了一个月，晚上一片漆黑", "北京"),
        ("海口话说得不好的外地人在县城买菜被宰", "海口市"),
    ],
)
def test_an_origin_or_a_street_is_not_counted_as_elsewhere(analyzer, text, region) -> None:
    a = analyzer.analyze(item(text))
    assert region not in a.places.outside(), a.places.outside()


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("去上海路上堵了五个小时，高速全是车", "上海"),  # on the way to 上海
        ("北京人民医院发生一起医患纠纷", "北京"),
        ("广东人社厅发布通知，调整最低工资标准", "广东"),
        ("上海街头出现大量共享单车，占道严重", "上海"),
        ("上海菜市场发生火灾，三人受伤", "上海"),
        ("北京话剧院一演员被曝偷税", "北京"),
        ("长沙路段发生连环追尾事故，5人受伤", "长沙"),
    ],
)
def test_the_region_itself_is_still_elsewhere(analyzer, text: str, region: str) -> None:
    a = analyzer.analyze(item(text))
    assert region in a.places.elsewhere, a.places.elsewhere
    assert out_of_area(a.places, a.content, a.short_towns) == region
    assert not a.verdict.relevant


def test_a_neighbour_street_of_its_own_city_is_still_the_neighbour(analyzer) -> None:
    a = analyzer.analyze(item("海口市龙昆南路一小区停电，居民被困电梯"))
    assert a.places.neighbours["海口市"] == 1, a.places.neighbours
    assert not a.verdict.relevant
