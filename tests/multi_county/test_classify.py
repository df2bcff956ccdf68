"""Classify with several profiles: each item becomes ONE ScoredItem of the county whose
places it names (town beats county), a cross-county event goes to the superior (or, without
one, to the first county with the other named as co-operating), a source's pin wins, and a
one-profile deployment keeps the single classifier."""

from __future__ import annotations

from pathlib import Path

from classifiers.multi_profile import CROSS_WHY, MultiProfileClassifier
from classifiers.scoring import ScoringClassifier
from tests.multi_county.conftest import (
    CROSS,
    TEXTS,
    TUNCHANG_FOOD,
    Deployment,
    classify_stage,
    raw_item,
    read_back,
    run_pipeline,
    write_config,
)


def test_items_go_to_the_county_whose_places_they_name(two_counties: Deployment) -> None:
    items = two_counties.items
    assert set(items) == set(TEXTS), "one ScoredItem per item, ids unchanged"
    assert items["d-water"].profile == "dingan"
    assert items["d-water"].jurisdiction.name == "龙湖镇"
    assert items["d-water-2"].profile == "dingan"
    assert items["d-water-2"].jurisdiction.name == "定城镇"
    assert items["t-water"].profile == "tunchang"
    assert items["t-water"].jurisdiction.model_dump() == {
        "name": "南吕镇",
        "code": "469022104",
        "level": "town",
    }
    assert items["t-food"].profile == "tunchang"
    lead = items["t-water"].departments[0]
    assert (lead.code, lead.name, lead.role) == ("water", "县水务局", "lead")
    assert any(d.name == "南吕镇人民政府" for d in items["t-water"].departments)


def test_a_cross_county_event_is_led_by_the_superior(two_counties: Deployment) -> None:
    cross = two_counties.items["cross"]
    assert cross.profile == "hainan"
    assert cross.jurisdiction.model_dump() == {
        "name": "海南省",
        "code": "460000",
        "level": "province",
    }
    lead = cross.departments[0]
    assert (lead.code, lead.name, lead.role) == ("water", "省水务厅", "lead")
    assert lead.why.startswith(CROSS_WHY)
    assert "定安县（龙湖镇）" in lead.why and "屯昌县（南吕镇）" in lead.why
    assert "牵头：省水务厅" in cross.explanation and "跨县" in cross.explanation
    assert all(not d.name.startswith("县") for d in cross.departments), "the superior's own"


def test_cases_are_opened_under_each_items_profile(two_counties: Deployment) -> None:
    by_item = {i: two_counties.case_of(i) for i in ("d-water", "t-water", "cross")}
    assert by_item["d-water"].profile == "dingan"
    assert by_item["t-water"].profile == "tunchang"
    assert by_item["cross"].profile == "hainan"
    assert by_item["cross"].lead_department.name == "省水务厅"
    assert len({c.case_id for c in by_item.values()}) == 3


def test_without_a_superior_the_first_county_leads_and_names_the_other(tmp_path: Path) -> None:
    config = write_config(tmp_path, superior=None)
    run_pipeline(config, [raw_item("cross", CROSS)])
    cross = read_back(config).items["cross"]
    assert cross.profile == "dingan", "the first configured county of the two"
    lead = cross.departments[0]
    assert lead.role == "lead" and lead.name == "县水务局"
    assert "跨县事件（种子000）" in lead.why and "屯昌县水务局按属地管理协同回应" in lead.why


def test_a_sources_pin_wins_and_an_unknown_pin_is_ignored(tmp_path: Path) -> None:
    stage = classify_stage(write_config(tmp_path))
    pinned, unknown = stage.transform(
        [
            raw_item("pinned", TUNCHANG_FOOD, extra={"profile": "dingan"}),
            raw_item("unknown", TUNCHANG_FOOD, extra={"profile": "nowhere"}),
        ]
    )
    assert pinned.profile == "dingan" and not pinned.relevant  # 屯昌's news, seen by 定安
    assert unknown.profile == "tunchang" and unknown.relevant


def test_the_order_of_profiles_picks_the_default(tmp_path: Path) -> None:
    stage = classify_stage(write_config(tmp_path, profiles=["tunchang", "dingan"]))
    (nowhere,) = stage.transform([raw_item("x", "今天天气不错，出去走走")])
    assert nowhere.profile == "tunchang" and not nowhere.relevant


def test_one_profile_keeps_the_single_classifier(tmp_path: Path) -> None:
    stage = classify_stage(write_config(tmp_path, profiles=[], superior=None))
    assert isinstance(stage.classifier, ScoringClassifier)
    (scored,) = stage.transform([raw_item("t", TEXTS["t-water"])])
    assert scored.profile == "dingan" and not scored.relevant
    multi = classify_stage(write_config(tmp_path / "m", profiles=["dingan"], superior="hainan"))
    assert isinstance(multi.classifier, MultiProfileClassifier)


def test_the_trained_model_scores_each_county(tmp_path: Path) -> None:
    stage = classify_stage(write_config(tmp_path, use_model=True))
    d, t = stage.transform([raw_item("d", TEXTS["d-water"]), raw_item("t", TEXTS["t-water"])])
    assert (d.profile, d.jurisdiction.name, d.relevant) == ("dingan", "龙湖镇", True)
    assert (t.profile, t.jurisdiction.name, t.relevant) == ("tunchang", "南吕镇", True)
    assert t.departments[0].code == "water"
