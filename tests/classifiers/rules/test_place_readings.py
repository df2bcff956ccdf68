"""Words that hold a place name without being a place reading (issue #6, continued).

"会同县农业农村局" after a subject is the verb 会同 (jointly with) plus our 县农业农村局; a
region at the head of a product ("兰州拉面", "哈密瓜") is the product; our short town name
inside another place's name ("洛阳龙门石窟") is not our town. Beside each misread, the real
place reading nearby ("湖南会同县", "新疆哈密", "在龙门") must still be read as before.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from classifiers.features import rule_features
from classifiers.lexicon import load_data
from classifiers.rules.relevance import out_of_area
from tests.classifiers.conftest import item

LONGMEN = "469021105"  # 龙门镇


@pytest.mark.parametrize(
    ("text", "organ"),
    [
        ("县市场监管局会同县农业农村局开展联合检查，查处病死猪肉2批次", "县农业农村局"),
        ("会同县农业农村局等部门对全县养殖场开展排查", "县农业农村局"),
        ("县委会同县政府召开专题会议，部署防汛工作", "县政府"),
        ("县卫健委会同县教育局对学校食堂开展检查", "县教育局"),
        ("比如县城的房价，一年涨了两成", "县城"),  # 比如: for example
        ("建议延长县城公交的运营时间", "县城"),  # 延长: to extend
    ],
)
def test_huitong_as_the_verb_is_our_organ(analyzer, text: str, organ: str) -> None:
    a = analyzer.analyze(item(text))
    assert "会同县" not in a.places.elsewhere, a.places.elsewhere
    assert organ in a.places.weak, a.places.weak
    assert out_of_area(a.places, a.content, a.short_towns) is None
    assert "外地" not in a.verdict.reason, a.verdict.reason


@pytest.mark.parametrize(
    ("text", "away"),
    [
        ("湖南会同县发生山洪，部分村庄被淹", "湖南"),
        ("会同县人民政府发布通告，中小学停课一天", "会同县"),
        ("怀化市会同县一学校发生食物中毒", "怀化市"),
        ("湖南省怀化市会同县农业农村局通报一起非洲猪瘟疫情", "湖南省"),
        ("会同县县委召开常委会议", "会同县"),  # its own 县委
        ("会同县委召开常委会议，研究防汛工作", "会同县"),  # no organ of ours before it
    ],
)
def test_huitong_as_a_place_is_another_county(analyzer, text: str, away: str) -> None:
    a = analyzer.analyze(item(text))
    assert "会同县" in a.places.elsewhere, a.places.elsewhere
    assert not a.places.weak, a.places.weak
    assert out_of_area(a.places, a.content, a.short_towns) == away
    assert not a.verdict.relevant


@pytest.mark.parametrize(
    ("text", "county"),
    [
        ("公安县公安局破获一起电信诈骗案", "公安县"),  # 公安县 (湖北), a noun, not a verb
        ("石门县农业农村局发布春耕通知", "石门县"),
    ],
)
def test_a_county_whose_stem_is_no_verb_keeps_its_organs(analyzer, text, county) -> None:
    a = analyzer.analyze(item(text))
    assert county in a.places.elsewhere, a.places.elsewhere
    assert not a.places.weak, a.places.weak
    assert out_of_area(a.places, a.content, a.short_towns) == county


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("县城一家兰州拉面店卫生差，后厨老鼠乱窜", "兰州"),
        ("北京烤鸭店油烟扰民，楼上住户苦不堪言", "北京"),
        ("县城沙县小吃店卫生差，吃完拉肚子", "沙县"),
        ("超市里的金华火腿过期了还在卖", "金华"),
        ("小卖部卖的青岛啤酒疑似假货", "青岛"),
        ("车站旁的德州扒鸡摊没有营业执照", "德州"),
        ("定城镇一超市出售的哈密瓜变质发臭", "哈密"),
        ("夜市的重庆火锅和柳州螺蛳粉摊占道经营", "重庆"),
    ],
)
def test_a_product_named_after_a_region_is_not_that_region(analyzer, text, region) -> None:
    a = analyzer.analyze(item(text))
    assert region not in a.places.elsewhere, a.places.elsewhere
    assert not a.places.elsewhere, a.places.elsewhere
    assert out_of_area(a.places, a.content, a.short_towns) is None
    assert "外地" not in a.verdict.reason, a.verdict.reason


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("新疆哈密发生4.5级地震，暂无人员伤亡", "哈密"),
        ("兰州一小区发生火灾，3人受伤", "兰州"),
        ("德州一化工厂发生爆炸", "德州"),
        ("北京暴雨致多条道路积水", "北京"),
        ("青岛一小区电梯坠落", "青岛"),
        ("青岛啤酒节开幕首日，一游客落水", "青岛"),  # the fair is held there
    ],
)
def test_the_region_itself_is_still_a_place(analyzer, text: str, region: str) -> None:
    a = analyzer.analyze(item(text))
    assert region in a.places.elsewhere, a.places.elsewhere
    assert out_of_area(a.places, a.content, a.short_towns) is not None
    assert not a.verdict.relevant


@pytest.mark.parametrize(
    "text",
    [
        "洛阳龙门石窟游客爆满，景区实行限流",
        "国庆去了龙门石窟，人山人海",
        "孩子们都盼着鲤鱼跳龙门，考上好大学",
        "河南新郑市龙湖镇一工地发生事故",
    ],
)
def test_our_short_town_name_inside_another_place_is_not_ours(analyzer, text: str) -> None:
    a = analyzer.analyze(item(text))
    assert not a.places.short_towns, a.places.short_towns
    feats = rule_features(a, a.short_towns, a.seat)
    assert not any(f.startswith(("tshort:", "tsuffix:")) for f in feats), feats


@pytest.mark.parametrize(
    ("text", "short"),
    [
        ("龙门镇村民反映道路损坏三个月没人修", "龙门"),
        ("龙门的村民说自来水发黄", "龙门"),
        ("在龙门赶集的人太多，车子堵了两公里", "龙门"),
        ("洛阳龙门石窟人太多了，还是在龙门老家好", "龙门"),  # the second one is ours
        ("岭口的村民说龙湖那边也停水了", "岭口"),
        ("龙湖人都知道这条路年年坏", "龙湖"),
    ],
)
def test_our_short_town_name_as_a_place_is_ours(analyzer, text: str, short: str) -> None:
    a = analyzer.analyze(item(text))
    assert short in a.places.short_towns, a.places.short_towns
    code = a.short_towns[short]
    assert f"tshort:{code}" in rule_features(a, a.short_towns, a.seat)


def test_the_veto_reads_our_short_town_only_as_a_place(analyzer) -> None:
    away = analyzer.analyze(item("洛阳龙门石窟景区因暴雨关闭，游客滞留"))
    assert out_of_area(away.places, away.content, away.short_towns) == "洛阳"
    ours = analyzer.analyze(item("我在龙门，听说洛阳下暴雨了，景区都关了"))
    assert ours.places.short_towns == {"龙门": 2}
    assert out_of_area(ours.places, ours.content, ours.short_towns) is None
    assert f"tsuffix:{LONGMEN}" not in rule_features(ours, ours.short_towns, ours.seat)


def _derive_verb_counties(names: list[str]) -> set[str]:
    path = Path(__file__).parents[3] / "classifiers" / "data" / "build_regions.py"
    spec = importlib.util.spec_from_file_location("build_regions", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # defines functions only; the build runs under __main__
    return set(module.derive_verb_counties(names))


def test_verb_counties_are_derived_from_the_dictionary() -> None:
    regions = load_data("regions.yaml")
    derived = _derive_verb_counties(regions["regions"])
    assert {"比如县", "延长县"} <= derived
    assert not {"公安县", "石门县", "资源县", "会同县"} & derived  # nouns: 会同 is kept by hand
    # adjectives and locatives: "南部县医院", "中方县医院" are those counties' hospitals
    assert not {"南部县", "中方县", "富裕县", "平定县"} & derived
    assert set(regions["verb_counties_derived"]) == derived
    assert {"会同县", "比如县", "延长县"} <= set(regions["verb_counties"])  # the hand list


@pytest.mark.parametrize(
    ("text", "organ"),
    [
        ("建议延长县城公交的末班车时间，晚上下班没车回家", "县城"),  # 延长: to extend
        ("比如县城的菜市场，下雨天到处是积水", "县城"),
    ],
)
def test_a_derived_verb_county_runs_into_our_organ(analyzer, text: str, organ: str) -> None:
    a = analyzer.analyze(item(text))
    assert not a.places.elsewhere, a.places.elsewhere
    assert organ in a.places.weak, a.places.weak


def test_a_derived_verb_county_named_as_a_place_is_elsewhere(analyzer) -> None:
    a = analyzer.analyze(item("四川南部县发生山洪，多个乡镇受灾"))
    assert "南部县" in a.places.elsewhere, a.places.elsewhere
    assert not a.verdict.relevant
