"""Clear examples of each category code, and hard negatives."""

from __future__ import annotations

import pytest

from tests.classifiers.conftest import item


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("定安县龙湖镇居丁村停水三天，村民们只能挑水喝", {"public_interest"}),
        ("定安县某工地拖欠四十多名农民工工资，工人们集体讨薪", {"public_interest"}),
        ("定安县黄竹镇发生车祸，造成三人死亡", {"emergency"}),
        ("定安县城一民房发生火灾，消防已到场", {"emergency"}),
        ("定安县黄竹镇村干部的亲属领着低保，优亲厚友", {"moral_bottom_line"}),
        ("定城镇一家幼儿园老师虐童，家长们要求严惩，海南定安", {"moral_bottom_line"}),
        ("听说定安要出新规，以后农村不让养猪了，是不是真的？一刀切", {"policy_misread"}),
        ("定安县公安局辟谣：网传定城镇人贩子抢孩子系谣言", {"rumor"}),
        ("紧急扩散！网传定安龙湖镇水库即将溃坝", {"rumor", "emergency"}),
    ],
)
def test_clear_examples(classifier, text: str, codes: set[str]) -> None:
    s = classifier.score(item(text))
    assert s.relevant and set(s.categories) == codes, s.explanation


def test_one_persons_grievance_is_relevant_but_not_public_interest(classifier) -> None:
    s = classifier.score(item("定安县城我家停水了，谁能帮忙看看", source_name="定安论坛"))
    assert s.relevant and s.categories == []


def test_drill_is_not_an_emergency(classifier) -> None:
    s = classifier.score(item("定安县应急管理局组织开展防汛应急演练"))
    assert "emergency" not in s.categories


@pytest.mark.parametrize(
    "text",
    [
        "广州暴雨引发洪水，多人被困，消防紧急救援。",
        "定安南丽湖旁精装楼盘火爆开盘，首付5万起，买房送车位，欢迎来电咨询！",
        "来定安打卡网红美食，探店定安黑猪肉，好吃到哭！",
        "某明星到定安拍摄综艺节目，粉丝现场追星！",
        "今天在定安吃了顿火锅，天气真好。",
    ],
)
def test_hard_negatives(classifier, text: str) -> None:
    s = classifier.score(item(text))
    assert not s.relevant and s.categories == [] and s.departments == []
    assert s.risk <= 10 and s.explanation.startswith("不相关")
