"""Measure a classifier on a labelled sample (classifiers/data/baseline_sample.jsonl), and
the two labelled sets of issue #6 that `yuqing eval --demo` / `--seeds DIR` measure.

Each line is an Item's fields plus `expect`: relevant, categories, town (name or null for the
county), lead (department code or null). Reports relevance accuracy, per-category
precision/recall, town accuracy and lead-department accuracy on the relevant items, so the
trained models that come later can be compared with the rules baseline on the same data.
Run: python -m classifiers.evaluate [FILE]

The demo sites' items (data/eval/demo.jsonl, corpus lines written from the demo content's
`intent`s by tests/classifiers/test_demo_items.py, which checks they still agree) and the seed
files read as crawled pages (labels: data/eval/seeds.yaml, by file name) carry relevance and
category labels only: their figures are relevance F1 and category F1, no town or lead.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from classifiers.corpus import CorpusItem, Labels
from classifiers.lexicon import DATA_DIR
from classifiers.metrics import Figures
from pipeline.models import CATEGORIES, Item, ScoredItem

SAMPLE = DATA_DIR / "baseline_sample.jsonl"
DEMO_SET = DATA_DIR / "eval" / "demo.jsonl"
SEED_LABELS = DATA_DIR / "eval" / "seeds.yaml"
# what the demo and seed labels measure (they name no town and no lead department)
LABELLED = ("relevance_f1", "category_micro_f1", "category_macro_f1")
_TIME = "2026-11-20T10:00:00+08:00"


@dataclass
class Report:
    n: int = 0
    relevance_correct: int = 0
    per_category: dict[str, dict[str, int]] = field(
        default_factory=lambda: {c: {"tp": 0, "fp": 0, "fn": 0} for c in CATEGORIES}
    )
    town_total: int = 0
    town_correct: int = 0
    lead_total: int = 0
    lead_correct: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def relevance_accuracy(self) -> float:
        return self.relevance_correct / self.n if self.n else 0.0

    def precision(self, code: str) -> float:
        c = self.per_category[code]
        return c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0

    def recall(self, code: str) -> float:
        c = self.per_category[code]
        return c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0

    @property
    def town_accuracy(self) -> float:
        return self.town_correct / self.town_total if self.town_total else 0.0

    @property
    def lead_accuracy(self) -> float:
        return self.lead_correct / self.lead_total if self.lead_total else 0.0

    def summary(self) -> str:
        lines = [f"items {self.n}; relevance accuracy {self.relevance_accuracy:.2f}"]
        for code in CATEGORIES:
            c = self.per_category[code]
            lines.append(
                f"  {code:18} P {self.precision(code):.2f}  R {self.recall(code):.2f}"
                f"  (tp {c['tp']}, fp {c['fp']}, fn {c['fn']})"
            )
        lines.append(
            f"town accuracy {self.town_accuracy:.2f} ({self.town_correct}/{self.town_total})"
        )
        lines.append(
            f"lead accuracy {self.lead_accuracy:.2f} ({self.lead_correct}/{self.lead_total})"
        )
        return "\n".join(lines)


def load_sample(path: Path = SAMPLE) -> list[tuple[Item, dict]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            expect = data.pop("expect")
            data.setdefault("published_at", _TIME)
            data.setdefault("crawled_at", _TIME)
            rows.append((Item.model_validate(data), expect))
    return rows


def evaluate(score: Callable[[Item], ScoredItem], rows: Iterable[tuple[Item, dict]]) -> Report:
    report = Report()
    for item, expect in rows:
        got = score(item)
        report.n += 1
        if got.relevant == expect["relevant"]:
            report.relevance_correct += 1
        else:
            report.errors.append(f"{item.id} relevant={got.relevant}: {got.explanation}")
        want = set(expect["categories"])
        for code in CATEGORIES:
            hit, wanted = code in got.categories, code in want
            key = "tp" if hit and wanted else "fp" if hit else "fn" if wanted else None
            if key:
                report.per_category[code][key] += 1
        if set(got.categories) != want:
            report.errors.append(f"{item.id} categories={got.categories} want {sorted(want)}")
        if not expect["relevant"]:
            continue
        report.town_total += 1
        town = got.jurisdiction.name if got.jurisdiction.level == "town" else None
        if town == expect["town"]:
            report.town_correct += 1
        else:
            report.errors.append(f"{item.id} town={town} want {expect['town']}")
        if expect["lead"]:
            report.lead_total += 1
            lead = got.departments[0].code if got.departments else None
            if lead == expect["lead"]:
                report.lead_correct += 1
            else:
                report.errors.append(f"{item.id} lead={lead} want {expect['lead']}")
    return report


def seed_set(
    folder: Path, clean: Callable[[list[Path]], list[str]], labels: Path = SEED_LABELS
) -> list[CorpusItem]:
    """The seed files (*.txt) of `folder` as gov_site items, their text as `clean` gives it
    (the crawlers' cleaner), labelled from `labels` by file name; a file without a label is
    an error (a new seed needs a person's label, not the classifier's)."""
    known = (yaml.safe_load(labels.read_text(encoding="utf-8")) or {}).get("seeds") or {}
    paths = sorted(folder.glob("*.txt"))
    if not paths:
        raise ValueError(f"{folder}: no seed files (*.txt)")
    missing = [p.name for p in paths if p.stem not in known]
    if missing:
        raise ValueError(f"{labels}: no label for {', '.join(missing)}")
    return [
        CorpusItem(
            id=f"seed-{p.stem}",
            split="test",
            style="gov_notice",
            source_type="gov_site",
            source_name="种子文件",
            text=text,
            labels=Labels(
                relevant=known[p.stem]["relevant"],
                categories=known[p.stem].get("categories") or [],
            ),
            event=f"seed-{p.stem}",
        )
        for p, text in zip(paths, clean(paths), strict=True)
    ]


def split_clean_output(out: str, paths: list[Path]) -> list[str]:
    """Each file's text from `yuqing clean FILE…`'s output ("==> FILE <==" before each when
    there are several)."""
    if len(paths) == 1:
        return [out.removesuffix("\n")]
    texts, rest = [], out
    for i, path in enumerate(paths):
        head = f"==> {path} <==\n"
        start = rest.index(head) + len(head)
        end = rest.index(f"\n\n==> {paths[i + 1]} <==\n", start) if i + 1 < len(paths) else None
        texts.append(rest[start:end].removesuffix("\n"))
        rest = rest[end:] if end is not None else ""
    return texts


def labelled_only(table: str, figures: tuple[Figures, Figures], names: tuple[str, str]) -> str:
    """`metrics.side_by_side`'s table cut to what relevance and category labels measure."""
    head = table.split("\nlead department", 1)[0]
    lines = [head, f"\n  {'figure':22} {names[0]:>10} {names[1]:>10}"]
    for key in LABELLED:
        a, b = (getattr(f, key) for f in figures)
        lines.append(f"  {key:22} {a:10.4f} {b:10.4f}")
    lines.append("  (town and lead department: not labelled in this set)")
    return "\n".join(lines)


def labelled_errors(figures: Figures) -> list[str]:
    """The mistakes a relevance and category label can show (no town or lead lines)."""
    return [e for e in figures.errors if " relevant=" in e or " categories=" in e]


def main(argv: list[str]) -> int:
    from classifiers.baseline import RulesClassifier
    from pipeline.profile import load_profile

    classifier = RulesClassifier(load_profile("dingan"))
    report = evaluate(classifier.score, load_sample(Path(argv[0]) if argv else SAMPLE))
    print(report.summary())
    print("\n".join(report.errors))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
