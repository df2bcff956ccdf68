"""The blind readings of the lead department and their agreement (classifiers/agreement.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifiers.agreement import READINGS, Reading, agreement, load_readings
from classifiers.corpus import CORPUS_DIR


def test_the_majority_of_three_readings() -> None:
    assert Reading("water", "water").majority == "water"
    assert Reading("water", "housing", "housing").majority == "housing"
    assert Reading("water", "housing", "water").majority == "water"
    assert Reading("water", "housing", "emergency").majority == "water"  # all differ


def test_agreement_counts_each_pair_of_readers() -> None:
    readings = {
        "a": Reading("water", "water"),
        "b": Reading("water", "housing", "housing"),
        "c": Reading("water", "housing", "water"),
        "d": Reading("health", "health"),
    }
    figures = agreement(readings, {"a": "water", "b": "housing", "c": "water", "d": None})
    assert figures["first_second"] == 0.5
    assert figures["majority_first"] == 0.75
    assert figures["model_first"] == 0.5 and figures["model_second"] == 0.5
    assert figures["model_majority"] == 0.75
    assert agreement({}) == {}


def test_a_malformed_reading_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "leads.jsonl"
    path.write_text('{"id": "x", "first": "water", "second": "water"}\n{"id": "y"}\n')
    with pytest.raises(ValueError, match=r"leads.jsonl:2"):
        load_readings(path)


def test_the_readings_are_of_training_items_with_a_lead() -> None:
    readings = load_readings(READINGS)
    leads = {}
    for path in sorted(CORPUS_DIR.glob("train_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["labels"]["relevant"] and row["labels"].get("lead_department"):
                leads[row["id"]] = row["labels"]["lead_department"]
    assert set(readings) <= set(leads) and len(readings) >= 1500
    for id_, reading in readings.items():  # a third reading exactly where two differ
        assert (reading.third is None) == (reading.first == reading.second), id_
