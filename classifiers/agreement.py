"""How far two readers of the label definitions agree on the lead department, and the model.

`classifiers/data/readings/leads.jsonl` holds, for every training item labelled relevant
with a lead, three readings: `first`, the corpus label when the item was read again;
`second`, the lead a blind reader gave who saw only the label definitions (the corpus
README without the routing guide) and the item's text, never a label; `third`, where the
two differ, the lead a third reader gave the same way. The test split's writer worked like
the second reader: the model's agreement with the second reader on the training items
(out of fold) is the same kind of figure as its lead accuracy on that split (docs/routing.md,
"Inter-annotator agreement").
Run: python -m classifiers.agreement [--model]  (--model: the out-of-fold model too)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

READINGS = Path(__file__).resolve().parent / "data" / "readings" / "leads.jsonl"


@dataclass(frozen=True)
class Reading:
    first: str
    second: str
    third: str | None = None

    @property
    def majority(self) -> str:
        """The lead two of the three readers gave; the first's when all three differ."""
        if self.second in (self.first, self.third):
            return self.second
        return self.first


def load_readings(path: Path = READINGS) -> dict[str, Reading]:
    """id → Reading; a malformed line is an error naming its line number."""
    readings: dict[str, Reading] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            readings[row["id"]] = Reading(row["first"], row["second"], row.get("third"))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: not a reading ({exc})") from None
    return readings


def agreement(
    readings: Mapping[str, Reading], predicted: Mapping[str, str | None] | None = None
) -> dict[str, float]:
    """Shares of the read items: first = second; with `predicted` (id → lead), the model
    against the first and the second reader, and against the majority of the three."""
    ids = list(readings)
    if not ids:
        return {}

    def share(pairs) -> float:
        return round(sum(a == b for a, b in pairs) / len(ids), 4)

    out = {
        "items": float(len(ids)),
        "first_second": share((readings[i].first, readings[i].second) for i in ids),
        "majority_first": share((readings[i].majority, readings[i].first) for i in ids),
    }
    if predicted is not None:
        for who in ("first", "second", "majority"):
            out[f"model_{who}"] = share((predicted.get(i), getattr(readings[i], who)) for i in ids)
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m classifiers.agreement")
    parser.add_argument("--model", action="store_true", help="the out-of-fold model too")
    args = parser.parse_args(argv)
    readings = load_readings()
    predicted = None
    if args.model:
        from classifiers.analysis import ItemAnalyzer
        from classifiers.corpus import CORPUS_DIR, CorpusLoader
        from classifiers.crossval import cross_validate
        from classifiers.metrics import lead_of
        from pipeline.profile import load_profile

        profile = load_profile("dingan")
        items = CorpusLoader(profile).load(sorted(CORPUS_DIR.glob("train_*.jsonl")))
        _, scored = cross_validate(items, ItemAnalyzer(profile))
        predicted = {i.id: lead_of(s) for i, s in zip(items, scored, strict=True)}
    print(json.dumps(agreement(readings, predicted)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
