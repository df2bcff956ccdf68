"""Severity on the national four-level scale, with Chinese numerals."""

from __future__ import annotations

import pytest

from classifiers.rules.severity import Casualties, casualties, chinese_number, severity


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("三", 3),
        ("十", 10),
        ("二十三", 23),
        ("一百零五", 105),
        ("两万三千", 23000),
        ("12", 12),
        ("数十", 20),
    ],
)
def test_chinese_numbers(text: str, value: int) -> None:
    assert chinese_number(text) == value


@pytest.mark.parametrize(
    ("text", "grade", "found"),
    [
        ("车祸造成三人死亡，十余人受伤", "larger", Casualties(3, 10)),
        ("3人死亡十人受伤", "larger", Casualties(3, 10)),
        ("造成死亡12人、受伤60余人", "major", Casualties(12, 60)),
        ("遇难人数达三十一人", "especially_major", Casualties(31, 0)),
        ("一百零五人受伤", "especially_major", Casualties(0, 105)),
        ("事故已造成2名工人当场死亡", "general", Casualties(2, 0)),
        ("一死三伤", "general", Casualties(1, 3)),
        ("无人员伤亡", "general", Casualties(0, 0)),
        ("五十名群众受伤", "major", Casualties(0, 50)),
    ],
)
def test_grades(text: str, grade: str, found: Casualties) -> None:
    assert severity(text) == (grade, found)


def test_missing_count_as_deaths() -> None:
    assert casualties("山洪造成十人失踪").deaths == 10


def test_scored_emergency_carries_severity(classifier) -> None:
    from tests.classifiers.conftest import item

    s = classifier.score(item("定安县黄竹镇发生车祸，造成三人死亡，十余人受伤。"))
    assert s.categories == ["emergency"] and s.severity == "larger"
    assert classifier.score(item("定安县龙湖镇停水，村民们很着急")).severity is None
