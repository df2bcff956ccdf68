"""`yuqing eval FILE` prints per-class figures and the headline figures side by side;
`yuqing train` trains on a corpus folder, compares on its test split, writes the model."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from classifiers.commands import evaluate, train
from tests.classifiers.test_training import PLACES, TEMPLATES, TOWN_GOV

OTHER = [
    ("江苏某地举办第{n}届龙舟赛，{town}{village}代表队夺冠", False, [], None),
    ("澄迈县第{n}批人才引进公告，报名地点{town}{village}", False, [], None),
]


def corpus_rows(split: str, places) -> list[str]:
    rows = []
    templates = TEMPLATES if split == "train" else TEMPLATES[:4] + OTHER
    for t, (text, relevant, cats, lead) in enumerate(templates):
        for p, (town, village) in enumerate(places):
            for n in range(2, 4):
                rows.append(
                    json.dumps(
                        {
                            "id": f"{split}-{t}-{p}-{n}",
                            "split": split,
                            "source_type": "forum",
                            "source_name": "定安论坛",
                            "text": text.format(town=town, village=village, n=n),
                            "labels": {
                                "relevant": relevant,
                                "categories": cats,
                                "town": town if relevant else None,
                                # "@place": the town's own government leads
                                "lead_department": TOWN_GOV.get(town) if lead == "@place" else lead,
                            },
                            "event": f"{split}-{t}-{p}",
                        },
                        ensure_ascii=False,
                    )
                )
    return rows


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train_a.jsonl").write_text("\n".join(corpus_rows("train", PLACES)), "utf-8")
    test = [("富文镇", "白鹤村"), ("雷鸣镇", "南九村")]
    (folder / "test.jsonl").write_text("\n".join(corpus_rows("test", test)), "utf-8")
    return folder


def test_train_then_eval(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    data = tmp_path / "data"
    runner = CliRunner()
    result = runner.invoke(train, ["--corpus", str(corpus), "--data", str(data), "--force"])
    assert result.exit_code == 0, result.output
    assert "near-duplicates" in result.output and "cross-validation" in result.output
    assert "relevance_f1" in result.output and "model written" in result.output
    assert (data / "models" / "current.joblib").exists()

    result = runner.invoke(evaluate, [str(corpus / "test.jsonl"), "--data", str(data), "--json"])
    assert result.exit_code == 0, result.output
    out = result.output
    for heading in ("relevance", "categories", "lead department", "town", "P", "R", "F1"):
        assert heading in out
    for figure in ("relevance_f1", "category_micro_f1", "lead_accuracy", "town_accuracy"):
        assert figure in out
    figures = json.loads(out.strip().splitlines()[-1])
    assert set(figures) == {"model", "rules"}
    assert figures["model"]["relevance_f1"] > 0.7


def test_a_bad_corpus_line_stops_training_with_its_place(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    lines = len((corpus / "train_a.jsonl").read_text("utf-8").splitlines())
    with open(corpus / "train_a.jsonl", "a", encoding="utf-8") as fh:
        fh.write("\n{broken")
    result = CliRunner().invoke(train, ["--corpus", str(corpus), "--data", str(tmp_path / "d")])
    assert result.exit_code != 0
    assert f"train_a.jsonl:{lines + 1}:" in result.output
