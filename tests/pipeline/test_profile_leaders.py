"""Named leaders in the jurisdiction profile: the shipped demo data, and mistakes refused with
the file and the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.config import ConfigError
from pipeline.profile import load_profile

SHIPPED = Path(__file__).resolve().parents[2] / "deploy" / "profiles" / "dingan.yaml"


def shipped() -> dict[str, Any]:
    return yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict[str, Any], name: str = "county.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_demo_profile_names_its_leaders() -> None:
    profile = load_profile("dingan")
    assert profile.leaders is not None and profile.leaders.demo  # placeholder names
    assert profile.principal_leader().title == "县长"
    water = profile.leader_in_charge("water")
    assert water is not None and water.name == "吴某某" and "水务" in water.areas
    assert profile.leader_in_charge("propaganda").title == "县委常委、宣传部部长"
    codes = {d.code for d in profile.departments}
    overseen = {c for leader in profile.leaders.in_charge for c in leader.oversees}
    assert overseen == codes  # every department has its leader in charge
    offices = {c.department for c in profile.leaders.report_contacts}
    assert offices == {profile.government_office, profile.news_office}  # seed 001
    assert profile.report_contact("propaganda").name == "孙某某"
    assert profile.leader_in_charge("nobody") is None


def test_a_profile_without_leaders_still_loads(tmp_path: Path) -> None:
    data = shipped()
    del data["leaders"]
    profile = load_profile(str(write(tmp_path, data)))
    assert profile.leader_in_charge("water") is None and profile.principal_leader() is None


def test_a_leader_overseeing_an_unknown_department_is_refused(tmp_path: Path) -> None:
    data = shipped()
    data["leaders"]["in_charge"][1]["oversees"].append("police_station")
    path = write(tmp_path, data)
    with pytest.raises(ConfigError) as err:
        load_profile(str(path))
    message = str(err.value)
    assert str(path) in message
    assert "leaders.in_charge.1.oversees.5: unknown department code 'police_station'" in message


def test_an_unknown_office_of_a_report_contact_is_refused(tmp_path: Path) -> None:
    data = shipped()
    data["leaders"]["report_contacts"][0]["department"] = "county_office"
    with pytest.raises(
        ConfigError, match=r"leaders.report_contacts.0.department: unknown department code"
    ):
        load_profile(str(write(tmp_path, data)))


def test_two_leaders_in_charge_of_one_department_are_refused(tmp_path: Path) -> None:
    data = shipped()
    data["leaders"]["in_charge"][0]["oversees"].append("water")
    with pytest.raises(ConfigError, match=r"'water' is already overseen by 'vice_executive'"):
        load_profile(str(write(tmp_path, data)))


def test_leader_ids_are_unique_and_not_department_codes(tmp_path: Path) -> None:
    data = shipped()
    data["leaders"]["in_charge"][2]["id"] = "vice_executive"
    with pytest.raises(ConfigError, match=r"leaders.in_charge.2.id: leader id 'vice_executive'"):
        load_profile(str(write(tmp_path, data, "a.yaml")))
    data = shipped()
    data["leaders"]["principal"]["id"] = "water"
    with pytest.raises(ConfigError, match=r"leaders.principal.id: .* also a department code"):
        load_profile(str(write(tmp_path, data, "b.yaml")))


def test_a_phone_number_has_no_place_in_a_leaders_reach(tmp_path: Path) -> None:
    data = shipped()
    data["leaders"]["principal"]["reach"]["phone"] = "13800000000"
    with pytest.raises(ConfigError, match=r"leaders.principal.reach.phone: unknown key"):
        load_profile(str(write(tmp_path, data)))
