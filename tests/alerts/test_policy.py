"""Policy profiles: the shipped files load, inheritance resolves, mistakes name file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from alerts.policy import load_policy
from pipeline.config import ConfigError

SHIPPED = ("national-2016", "linfen-2017", "dingan-2016", "maoshe-2023")


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profiles_load_and_cite_their_source(name: str) -> None:
    policy = load_policy(name)
    assert policy.name == name
    assert policy.timezone == "Asia/Shanghai"
    for d in policy.definitions:
        assert d.spec.rule and ": " in d.spec.rule, d.spec.name
        assert d.spec.label
    if name != "national-2016":
        assert [f.name for f in policy.chain] == [name, "national-2016"]


def test_report_up_is_in_every_profile() -> None:
    for name in SHIPPED:
        definition = load_policy(name).definition("report_up")
        assert definition is not None
        assert definition.spec.due.hours == 1
        assert definition.spec.applies_to.importance == "important"


def test_nearest_profile_comes_first() -> None:
    policy = load_policy("dingan-2016")
    assert policy.definition("report_up").profile == "dingan-2016"
    assert policy.definition("first_response").profile == "national-2016"
    assert policy.definition("verified_answer").spec.start == "problem_confirmed"


def _write(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _clock(**over: object) -> dict:
    clock = {
        "name": "response",
        "applies_to": {"government_related": True},
        "due": {"hours": 48},
        "met_by": "first_response",
        "rule": "测试: 48 h",
    }
    clock.update(over)
    return clock


@pytest.mark.parametrize(
    ("clock", "key", "why"),
    [
        (_clock(due={"hours": 4, "days": 1}), "clocks.0.due", "exactly one"),
        (_clock(due={}), "clocks.0.due", "exactly one"),
        (_clock(due={"hours": -1}), "clocks.0.due.hours", "greater than 0"),
        (_clock(met_by="a_tweet"), "clocks.0.met_by", "unknown event 'a_tweet'"),
        (_clock(start="sunrise"), "clocks.0.start", "unknown event 'sunrise'"),
        (_clock(rule=""), "clocks.0.rule", ""),
        (
            _clock(applies_to={"severity_in": ["huge"]}),
            "clocks.0.applies_to.severity_in.0",
            "major",
        ),
        (_clock(applies_to={"colour": "red"}), "clocks.0.applies_to.colour", "unknown key"),
        (_clock(name="First Response"), "clocks.0.name", ""),
    ],
)
def test_a_bad_clock_names_the_file_and_key(
    tmp_path: Path, clock: dict, key: str, why: str
) -> None:
    path = _write(tmp_path, "bad", {"name": "bad", "clocks": [clock]})
    with pytest.raises(ConfigError) as err:
        load_policy(path)
    message = str(err.value)
    assert str(path) in message
    assert f": {key}:" in message
    assert why in message


def test_duplicate_clock_names_in_one_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "dupe", {"name": "dupe", "clocks": [_clock(), _clock()]})
    with pytest.raises(ConfigError, match="unique.*response"):
        load_policy(path)


def test_missing_parent_and_circles(tmp_path: Path) -> None:
    orphan = _write(tmp_path, "orphan", {"name": "orphan", "extends": "nowhere", "clocks": []})
    with pytest.raises(ConfigError, match=r"orphan\.yaml: extends: no policy profile 'nowhere'"):
        load_policy(orphan)
    _write(tmp_path, "a", {"name": "a", "extends": "b"})
    b = _write(tmp_path, "b", {"name": "b", "extends": "a"})
    with pytest.raises(ConfigError, match="circle: b → a → b"):
        load_policy(b)


def test_name_must_match_the_file_and_the_file_must_exist(tmp_path: Path) -> None:
    path = _write(tmp_path, "local", {"name": "other"})
    with pytest.raises(ConfigError, match=r"local\.yaml: name: 'other' differs"):
        load_policy(path)
    with pytest.raises(ConfigError, match="not found"):
        load_policy(tmp_path / "missing.yaml")


def test_not_yaml_is_reported_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.yaml.*not valid YAML"):
        load_policy(path)


def test_a_local_profile_may_extend_a_shipped_one_by_path(tmp_path: Path) -> None:
    shipped = Path(__file__).resolve().parents[2] / "deploy" / "policies" / "national-2016.yaml"
    path = _write(
        tmp_path,
        "county-x",
        {"name": "county-x", "extends": str(shipped), "clocks": [_clock(due={"hours": 24})]},
    )
    policy = load_policy(path)
    assert [f.name for f in policy.chain] == ["county-x", "national-2016"]
