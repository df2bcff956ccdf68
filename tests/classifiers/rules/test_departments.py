"""Departments: lead first, co after; `why` names the evidence or the seed's rule."""

from __future__ import annotations

from tests.classifiers.conftest import item


def roles(scored) -> list[tuple[str, str]]:
    return [(d.code, d.role) for d in scored.departments]


def test_duty_keyword_lead_and_town_government_co(classifier) -> None:
    s = classifier.score(item("定安县龙湖镇居丁村停水三天，村民们很着急"))
    assert roles(s)[:2] == [("water", "lead"), ("town_longhu", "co")]
    assert "停水" in s.departments[0].why and "属地管理" in s.departments[1].why


def test_named_department_wins(classifier) -> None:
    s = classifier.score(item("定安县教育局回应：定城镇某中学食堂饭菜问题已整改"))
    assert s.departments[0].code == "education" and "文中点名" in s.departments[0].why


def test_rumor_goes_to_police_and_cyberspace_office(classifier) -> None:
    s = classifier.score(item("紧急扩散！网传定安龙湖镇水库即将溃坝，大家快转移"))
    got = dict(roles(s))
    assert got["water"] == "lead"
    assert got["public_security"] == "co" and got["propaganda"] == "co"
    assert got["emergency"] == "co"
    assert any("造谣传谣" in d.why for d in s.departments)


def test_vertical_department_brings_propaganda_per_seed_000(classifier) -> None:
    s = classifier.score(item("定安县税务局退税迟迟不到账，纳税人投诉"))
    assert roles(s)[0] == ("tax", "lead")
    co = next(d for d in s.departments if d.code == "propaganda")
    assert "垂直管理" in co.why and "国家税务总局海南省税务局" in co.why


def test_no_department_found_falls_back_to_town_or_government_office(classifier) -> None:
    town = classifier.score(item("定安县新竹镇最近的事情，群众意见很大"))
    county = classifier.score(item("定安县领导赴广州招商调研"))
    assert roles(town)[0] == ("town_xinzhu", "lead")
    assert roles(county)[0] == ("government_office", "lead")
    assert "种子000" in county.departments[0].why


def test_especially_major_brings_the_government_office(classifier) -> None:
    s = classifier.score(item("定安县龙河镇山洪暴发，遇难人数达三十一人"))
    assert s.severity == "especially_major"
    assert ("government_office", "co") in roles(s)


def test_every_department_code_exists_in_the_profile(classifier, profile) -> None:
    s = classifier.score(item("定安县黄竹镇发生车祸，造成三人死亡，县交警大队已到场"))
    codes = {d.code for d in profile.departments}
    assert all(d.code in codes for d in s.departments)
    assert [d.role for d in s.departments].count("lead") == 1 and s.departments[0].role == "lead"


def test_a_model_lead_for_the_town_names_the_place_s_government(profile) -> None:
    """docs/routing.md rule 3: the model's pooled town class (TOWN_LEAD) → the government of
    the item's town; at county level the government office coordinates (seed 000)."""
    from classifiers.rules.departments import TOWN_LEAD, DepartmentRouter
    from pipeline.models import Jurisdiction

    router = DepartmentRouter(profile)
    town = next(t for t in profile.towns if t.name == "岭口镇")
    place = Jurisdiction(name=town.name, code=town.code, level="town")
    text = "村里那三盏路灯坏了快半年了，镇里管不管"
    refs = router.route(text, [], place, None, lead=(TOWN_LEAD, "模型0.80"))
    assert (refs[0].code, refs[0].role) == ("town_lingkou", "lead")
    assert "属地管理" in refs[0].why and "模型0.80" in refs[0].why
    assert [r.code for r in refs].count("town_lingkou") == 1
    county = Jurisdiction(name="定安县", code="469021", level="county")
    refs = router.route(text, [], county, None, lead=(TOWN_LEAD, "模型0.80"))
    assert (refs[0].code, refs[0].role) == ("government_office", "lead")
    assert "town_lingkou" in router.town_codes and "water" not in router.town_codes
