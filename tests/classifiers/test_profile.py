"""The shipped profile validates; a broken copy is reported with file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.config import ConfigError
from pipeline.profile import load_profile

TOWNS = [
    "定城镇",
    "新竹镇",
    "龙湖镇",
    "黄竹镇",
    "雷鸣镇",
    "龙门镇",
    "龙河镇",
    "岭口镇",
    "翰林镇",
    "富文镇",
]


def test_dingan_profile_is_complete(profile) -> None:
    assert (profile.name, profile.jurisdiction, profile.code) == ("dingan", "定安县", "469021")
    assert profile.policy == "dingan-2016" and profile.province == "海南省"
    assert [t.name for t in profile.towns] == TOWNS
    assert [t.code for t in profile.towns] == [f"4690211{i:02d}" for i in range(10)]
    for code in ("water", "education", "public_security", "propaganda", "government_office"):
        dept = profile.department(code)
        assert dept.duties and dept.spokesperson.phone.startswith("0898-")
    vertical = {d.code: d.superior for d in profile.departments if d.vertical}
    assert set(vertical) == {"tax", "meteorology", "fire_rescue"} and all(vertical.values())
    assert profile.joint_meeting and profile.joint_meeting.lead == "propaganda"
    assert set(profile.joint_meeting.members) == {
        "government_office",
        "public_security",
        "civil_affairs",
        "justice",
        "petition",
        "emergency",
    }
    assert set(profile.neighbours) == {"海口市", "澄迈县", "屯昌县", "琼中黎族苗族自治县", "琼海市"}
    assert all(profile.department(f"{t}人民政府") for t in TOWNS)


def test_broken_copy_gives_a_clear_error(tmp_path: Path) -> None:
    src = Path(__file__).resolve().parents[2] / "deploy" / "profiles" / "dingan.yaml"
    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    data["departments"][0]["code"] = "Bad Code"
    data["joint_meeting"]["lead"] = "nobody"
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_profile(str(broken))
    assert str(broken) in str(err.value) and "departments.0.code" in str(err.value)


def test_unknown_reference_is_named(tmp_path: Path) -> None:
    src = Path(__file__).resolve().parents[2] / "deploy" / "profiles" / "dingan.yaml"
    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    data["joint_meeting"]["members"].append("nobody")
    broken = tmp_path / "broken2.yaml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(
        ConfigError, match="joint_meeting.members: unknown department code 'nobody'"
    ):
        load_profile(str(broken))
