"""A town's short name used alone is a (weaker) anchor of relevance (issue #6, continued).

"龙门的村民反映…", "去黄竹赶集…": the short name read as a place (places.py, word_bounds.py)
with a place's context — a town's tail after it, a word of going or being there before it,
a village of ours or "我县" in the text — makes the item ours. Used without that context
("掌声雷鸣", "新竹一间幼儿园"; a 县 department is no context: every county has one) or
inside another place's name ("洛阳龙门石窟") it is no anchor; and it is the weaker anchor:
another region named as often wins.
"""

from __future__ import annotations

import pytest

from tests.classifiers.conftest import item


@pytest.mark.parametrize(
    ("text", "short"),
    [
        ("龙门的村民反映自来水发黄，好几天了没人管", "龙门"),
        ("去黄竹赶集的人太多，路边摊占道经营，车子堵了两公里", "黄竹"),
        ("岭口中学好多学生吃了午饭上吐下泻，救护车来了好几趟", "岭口"),
        ("龙河天池村的小桥栏杆断了快一个月，存在安全隐患，镇政府一直没来修", "龙河"),  # its village
        ("我家孩子上周也是在岭口打的疫苗，现在好害怕", "岭口"),
        ("网传岭口水库今晚泄洪不实，县水务局称水位低于汛限", "岭口"),  # with 县水务局
    ],
)
def test_a_short_town_name_alone_is_an_anchor(analyzer, text: str, short: str) -> None:
    a = analyzer.analyze(item(text))
    assert short in a.places.short_anchors, a.places.short_anchors
    assert a.verdict.relevant, a.verdict.reason
    assert short in a.verdict.reason, a.verdict.reason


@pytest.mark.parametrize(
    "text",
    [
        "洛阳龙门石窟游客爆满，景区实行限流，有游客被挤伤",
        "掌声雷鸣！今天的毕业典礼太感人了，校长讲话我都哭了",
        "新竹一间幼儿园被家长爆料老师体罚，教育处已经介入调查",
        "黄竹坑站附近有架的士同巴士相撞，两人受轻伤送院",
        "河南新郑市龙湖镇一工地发生事故，两名工人受伤",
        "惠州龙门县农民反映自来水发黄，县水务局已派人检测",
        "县教育局举办的毕业典礼上掌声雷鸣，家长们都哭了",  # every county has a 县教育局
    ],
)
def test_a_short_name_without_a_place_context_is_no_anchor(analyzer, text: str) -> None:
    a = analyzer.analyze(item(text))
    assert not a.places.short_anchors, a.places.short_anchors
    assert not a.verdict.relevant, a.verdict.reason


@pytest.mark.parametrize(
    "text",
    [
        "龙门的村民说深圳工资高，深圳工厂多，都去深圳打工了",
        "下次去台湾还要去新竹，那边的学校伙食比我们好",  # a tie goes to the other region
    ],
)
def test_other_regions_named_as_often_still_win(analyzer, text: str) -> None:
    a = analyzer.analyze(item(text))
    assert a.places.short_anchors, a.places.short_anchors
    assert not a.verdict.relevant
    assert a.verdict.reason.startswith("主要涉及外地"), a.verdict.reason


@pytest.mark.parametrize(
    ("text", "town"),
    [
        ("龙门的村民反映自来水发黄，好几天了没人管", "龙门镇"),
        ("去黄竹赶集的人太多，路边摊占道经营，车子堵了两公里", "黄竹镇"),
        ("岭口中学好多学生吃了午饭上吐下泻，救护车来了好几趟", "岭口镇"),
    ],
)
def test_the_rules_baseline_places_a_short_anchor_in_its_town(classifier, text, town) -> None:
    """The town of the one short name read as a place; its government is co (属地管理)."""
    scored = classifier.score(item(text))
    assert scored.relevant
    assert (scored.jurisdiction.name, scored.jurisdiction.level) == (town, "town")
    assert any(d.name == f"{town}人民政府" for d in scored.departments), scored.departments
    assert town[:2] in scored.explanation, scored.explanation


def test_two_short_towns_or_a_gazetteer_town_keep_their_own_reading(classifier) -> None:
    two = classifier.score(item("龙门的村民和去黄竹赶集的人都说，这几天停水停电没人管"))
    assert two.relevant and two.jurisdiction.level == "county", two.jurisdiction
    named = classifier.score(item("龙门的村民说，龙湖镇居丁村的水管又爆了，停水三天"))
    assert named.jurisdiction.name == "龙湖镇", named.jurisdiction
