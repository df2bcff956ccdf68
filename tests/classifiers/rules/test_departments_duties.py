"""The rules' own lead can follow the guide's recurring situations (issue #6,
`rule_situations`): off by default (docs/routing.md: a model retrained on it scored lower on
the test split); a model's lead is never replaced by it, a department's own act comes first."""

from __future__ import annotations

from classifiers.rules.departments import DepartmentRouter
from pipeline.models import Jurisdiction

BANQUET = "昨天去南埠村吃喜酒的有没有拉肚子的？一桌十个人有七个上吐下泻，卫生院走廊全是人"


def _fuwen(profile) -> Jurisdiction:
    town = next(t for t in profile.towns if t.name == "富文镇")
    return Jurisdiction(name=town.name, code=town.code, level="town")


def test_the_rules_lead_follows_the_guide_s_situation_when_on(profile) -> None:
    """No model lead: the guide's row leads and says so in Chinese, though the text names
    the 卫生院 (a health alias)."""
    router = DepartmentRouter(profile, rule_situations=True)
    refs = router.route(BANQUET, [], _fuwen(profile), None)
    assert (refs[0].code, refs[0].role) == ("market_regulation", "lead")
    assert refs[0].why == "职责关键词：处置指南“食物中毒”（谁主管谁负责）"
    assert ("town_fuwen", "co") in [(r.code, r.role) for r in refs]
    refs = router.route(BANQUET, [], _fuwen(profile), None, lead=("health", "模型0.60"))
    assert refs[0].code == "health"  # a model's lead stays


def test_a_department_s_own_act_still_comes_before_the_guide(profile) -> None:
    own = "定安县教育局关于富文镇校车侧翻事故的情况通报\n校车侧翻，车上19名学生"
    refs = DepartmentRouter(profile, rule_situations=True).route(own, [], _fuwen(profile), None)
    assert refs[0].code == "education" and "谁处置谁发声" in refs[0].why


def test_the_rules_lead_is_the_keywords_by_default(profile) -> None:
    refs = DepartmentRouter(profile).route(BANQUET, [], _fuwen(profile), None)
    assert refs[0].code == "health" and "处置指南" not in refs[0].why
