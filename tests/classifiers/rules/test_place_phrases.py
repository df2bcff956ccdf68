"""Place names inside ordinary phrases are not places (issue #6 follow-up): "知道县", "复合肥".

jieba keeps a one-character-stem county whole inside ordinary words ("谁知/道县/医院",
"监测/涉县/政务"), and "我县"/"我们县"/"超市" before a town of ours are not another county: a
text of ours that says so stays ours, is placed in our town and is not vetoed as another
region's; "定安街上" is on 定安's streets. A real 道县 item (its province or city named, or its
own 县委/县城) is still 道县's, and "新郑市龙湖镇" or 海口's "定安路" are still not ours.
"""

from __future__ import annotations

import pytest

from classifiers.baseline import RulesClassifier
from classifiers.bundle import load_model
from classifiers.model_classifier import ModelClassifier
from classifiers.rules.relevance import out_of_area
from tests.classifiers.conftest import item


@pytest.mark.parametrize(
    "text",
    [
        "谁知道县医院几点开门？孩子发烧了，急诊没人",
        "有没有人知道县妇幼保健院的儿童保健科为什么停诊了",  # tr-b-0559, labelled ours
        "本季度共监测涉县政务舆情信息126条，均已按时回应",  # tr-c-0022: "涉县政务"
        "请问和县里哪个部门反映？村里的路坏了半年没人修",
        "县城新开了一家沙县小吃，卫生很差，吃完拉肚子",
        "不知道县里怎么安排，学校停课了也没人通知",
        "一种标称“高效复合肥”的肥料施用后稻苗不长",  # tr-c-0102: 复合肥 is not 合肥
        "维护社会长治久安，严厉打击电信诈骗",  # 长治久安 is not 长治
    ],
)
def test_a_region_name_inside_a_phrase_is_not_a_place(analyzer, text: str) -> None:
    a = analyzer.analyze(item(text))
    assert not a.places.elsewhere, a.places.elsewhere
    assert out_of_area(a.places, a.content, a.short_towns) is None
    assert "外地" not in a.verdict.reason, a.verdict.reason


@pytest.mark.parametrize(
    ("text", "county", "away"),
    [
        ("湖南道县发生洪涝灾害，道县县委县政府组织转移群众3000人", "道县", "道县"),
        ("永州市道县一小学发生食物中毒，20余名学生送医", "道县", "永州市"),
        ("道县县城发生内涝，多个小区被淹", "道县", "道县"),  # its own 县城, not ours
        ("安徽和县一化工厂发生爆炸，周边群众已疏散", "和县", "安徽"),
        ("一艘观光游船在三亚湾海域因发动机故障漂流", "三亚", "三亚"),  # 三亚湾 is 三亚's
        ("广州某小区传言有人在水里投毒", "广州", "广州"),
    ],
)
def test_a_region_named_as_a_place_is_another_region(analyzer, text, county, away) -> None:
    a = analyzer.analyze(item(text))
    assert county in a.places.elsewhere
    assert not a.places.weak, a.places.weak  # "道县县委/县城" are 道县's, not ours
    assert out_of_area(a.places, a.content, a.short_towns) == away
    assert not a.verdict.relevant


@pytest.mark.parametrize(
    ("text", "town"),
    [
        ("近日，有媒体报道我县定城镇一楼盘逾期交付，县住建局已介入调查", "定城镇"),  # tr-c-0003
        ("我们县龙湖镇的路烂了三年没人修，交通局管不管", "龙湖镇"),
        ("这个县定城镇的菜市场脏乱差，市场监管局管不管", "定城镇"),
        ("大润发超市定城镇店卖过期食品，市场监管局管不管", "定城镇"),
        ("今年全县龙湖镇受灾最重，房屋倒塌多间", "龙湖镇"),
    ],
)
def test_an_ordinary_word_before_our_town_is_not_another_county(analyzer, text, town) -> None:
    a = analyzer.analyze(item(text))
    assert not a.places.foreign, a.places.foreign
    assert a.place is not None and a.place.name == town


@pytest.mark.parametrize(
    ("text", "foreign"),
    [
        ("实拍海南最穷的县城？？定安街上一个人都没有 房子都是破的", []),  # tr-b-0295, ours
        ("周末带孩子去定安乡下摘荔枝，路太烂了", []),  # the countryside of 定安
        ("海口城区定安路一带停水", ["定安路"]),  # 海口's 定安路
        ("我们村叫“定安村”我也没办法", ["定安村"]),
    ],
)
def test_a_place_word_after_our_name_is_not_another_place(analyzer, text, foreign) -> None:
    a = analyzer.analyze(item(text))
    assert a.places.foreign == foreign
    assert ("定安" in a.places.strong) == (not foreign)


@pytest.mark.parametrize(
    ("text", "theirs"),
    [
        ("河南新郑市龙湖镇一工地发生事故", "新郑市龙湖镇"),
        ("重庆市石柱县龙河镇发生山体滑坡", "重庆市石柱县龙河镇"),
        ("石柱县龙河镇发生山体滑坡", "石柱县龙河镇"),  # a county's common short form
        ("茅畲乡龙门村发生山洪", "茅畲乡龙门村"),  # a town the gazetteer does not list
    ],
)
def test_another_countys_town_of_the_same_name_is_still_theirs(analyzer, text, theirs) -> None:
    a = analyzer.analyze(item(text))
    assert a.places.foreign == [theirs]
    assert out_of_area(a.places, a.content, a.short_towns) == theirs


@pytest.fixture(scope="module")
def classifiers(profile, analyzer):
    bundle = load_model(None)
    if bundle is None:
        pytest.skip("no bundled model")
    return ModelClassifier(profile, bundle, analyzer=analyzer), RulesClassifier(
        profile, analyzer=analyzer
    )


def test_a_text_of_ours_that_says_zhidao_xian_stays_ours(classifiers) -> None:
    model, rules = classifiers
    ours = item(
        "定城镇居民：谁知道县医院几点开门？孩子发烧到39度，急诊一直没人，打电话也不接。",
        source_type="forum",
        source_name="定安论坛",
    )
    for scored in (model.score(ours), rules.score(ours)):
        assert scored.relevant, scored.explanation
        assert scored.jurisdiction.name == "定城镇", scored.jurisdiction
        assert "道县" not in scored.explanation


def test_a_real_daoxian_item_is_not_ours(classifiers) -> None:
    model, rules = classifiers
    theirs = item("湖南道县发生洪涝灾害，道县县委县政府组织转移群众3000人", source_type="news")
    for scored in (model.score(theirs), rules.score(theirs)):
        assert not scored.relevant, scored.explanation
        assert "道县" in scored.explanation
