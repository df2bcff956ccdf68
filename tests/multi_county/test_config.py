"""`profiles:` in the config: the default first, every profile must load, names and the
superior are checked, and `yuqing check-config` lists them or names the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.config import ConfigError, load_settings
from pipeline.profile import configured_profiles, superior_profile
from tests.multi_county.conftest import write_config


def check_config(config: Path):
    return CliRunner().invoke(main, ["check-config", "--config", str(config)])


def test_check_config_lists_every_profile_and_the_superior(tmp_path: Path) -> None:
    result = check_config(write_config(tmp_path))
    assert result.exit_code == 0, result.output
    assert "profile: dingan 定安县 (469021), 10 towns" in result.output
    assert "profile: tunchang 屯昌县 (469022), 8 towns" in result.output
    assert "superior: hainan 海南省 (460000)" in result.output


def test_check_config_refuses_an_unknown_profile_naming_file_and_key(tmp_path: Path) -> None:
    config = write_config(tmp_path, profiles=["dingan", "tunchng"])
    result = check_config(config)
    assert result.exit_code == 2
    assert f"{config}: profiles.1: unknown jurisdiction profile 'tunchng'" in result.output
    assert "known: dingan, hainan, tunchang" in result.output
    bad_superior = check_config(write_config(tmp_path / "s", superior="hainam"))
    assert bad_superior.exit_code == 2 and "superior: unknown jurisdiction profile" in (
        bad_superior.output
    )


def test_profile_is_the_default_and_must_be_listed(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, profile="tunchang"))
    assert settings.profile_names == ["tunchang", "dingan"]
    assert [p.name for p in configured_profiles(settings)] == ["tunchang", "dingan"]
    assert superior_profile(settings).jurisdiction == "海南省"
    first = load_settings(write_config(tmp_path / "f"))
    assert first.profile == "dingan" and first.profile_names == ["dingan", "tunchang"]
    with pytest.raises(ConfigError, match="profile: 'dingan' is not one of profiles"):
        load_settings(write_config(tmp_path / "x", profiles=["tunchang"], profile="dingan"))
    with pytest.raises(ConfigError, match="listed twice: tunchang"):
        load_settings(write_config(tmp_path / "d", profiles=["tunchang", "tunchang"]))
    with pytest.raises(ConfigError, match="superior: 'tunchang' is also one of profiles"):
        load_settings(write_config(tmp_path / "y", superior="tunchang"))


def test_a_single_profile_config_is_unchanged(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, profiles=[], superior=None))
    assert settings.profile == "dingan" and settings.profile_names == ["dingan"]
    assert superior_profile(settings) is None
    assert [p.name for p in configured_profiles(settings)] == ["dingan"]
