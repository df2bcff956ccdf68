"""The corpus loader: valid lines load; a bad line is an error naming its file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifiers.corpus import CorpusError, CorpusLoader

GOOD = {
    "id": "tr-x-0001",
    "split": "train",
    "style": "forum",
    "source_type": "forum",
    "source_name": "定安论坛",
    "title": "",
    "text": "龙湖镇居丁村停水三天了",
    "labels": {
        "relevant": True,
        "categories": ["public_interest"],
        "town": "龙湖镇",
        "lead_department": "water",
        "co_departments": ["town_longhu"],
        "severity": None,
        "sentiment": "negative",
    },
    "event": "longhu-water",
}


def write(tmp_path: Path, *rows: object, name: str = "train_x.jsonl") -> Path:
    path = tmp_path / name
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def variant(**over) -> dict:
    row = json.loads(json.dumps(GOOD))
    labels = over.pop("labels", {})
    row.update(over)
    row["labels"].update(labels)
    return row


def test_good_lines_load_and_become_items(tmp_path, profile) -> None:
    path = write(tmp_path, GOOD, variant(id="tr-x-0002", labels={"town": None}))
    items = CorpusLoader(profile).load([path])
    assert [i.id for i in items] == ["tr-x-0001", "tr-x-0002"]
    item = items[0].to_item()
    assert item.text == GOOD["text"] and item.published_at


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "JSON object"),
        (variant(labels={"categories": ["flood"]}), "labels.categories"),
        (variant(surprise=1), "surprise"),
        (variant(labels={"town": "龙湖乡"}), "not a town"),
        (variant(labels={"lead_department": "nasa"}), "unknown department"),
        (variant(labels={"relevant": False}), "irrelevant"),
        (variant(event=""), "event"),
    ],
)
def test_a_bad_line_names_file_and_line(tmp_path, profile, bad, message) -> None:
    path = write(tmp_path, GOOD, "", bad)
    with pytest.raises(CorpusError) as err:
        CorpusLoader(profile).load([path])
    assert f"{path}:3:" in str(err.value)
    assert message in str(err.value)


def test_duplicate_ids_and_lenient_mode(tmp_path, profile) -> None:
    path = write(tmp_path, GOOD, GOOD, "{half a line")
    with pytest.raises(CorpusError, match="already used"):
        CorpusLoader(profile).load([path])
    loader = CorpusLoader(profile, strict=False)
    assert len(loader.load([path])) == 1
    assert len(loader.errors) == 2 and loader.errors[1].startswith(f"{path}:3:")


def test_splits_are_found_by_file_name(tmp_path, profile) -> None:
    write(tmp_path, GOOD, name="train_a.jsonl")
    write(tmp_path, variant(id="te-1", split="test", event="other"), name="test.jsonl")
    loader = CorpusLoader(profile)
    assert [i.id for i in loader.load_split("train", tmp_path)] == ["tr-x-0001"]
    assert [i.id for i in loader.load_split("test", tmp_path)] == ["te-1"]


def test_the_training_files_follow_the_category_guide(capsys) -> None:
    """docs/categories.md's hand corrections are applied (relabel_categories --check)."""
    from classifiers.data.relabel_categories import main

    assert main(["--check"]) == 0, capsys.readouterr().out


def test_the_training_files_follow_the_routing_guide(capsys) -> None:
    """docs/routing.md is applied (relabel_routing --check), and a matter a county
    department's duties name leads there even when the writer asked the town, which stays co
    ("Town government or county department")."""
    import json

    from classifiers.corpus import CORPUS_DIR
    from classifiers.data.relabel_routing import main

    assert main(["--check"]) == 0, capsys.readouterr().out
    rows = {}
    for path in sorted(CORPUS_DIR.glob("train_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            rows[row["id"]] = row["labels"]
    bridge = rows["tr-b-0543"]  # a cracked village bridge, "镇里派人来看看"
    assert bridge["lead_department"] == "transport"
    assert "town_leiming" in bridge["co_departments"]
