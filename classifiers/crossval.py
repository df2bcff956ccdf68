"""Grouped cross-validation of the whole model pipeline on the training files only.

The development metric: folds by event (GroupKFold), each fold's model trained with
`train_bundle` on the other folds (its own choices again made by inner CV) and measured on
the held-out fold with the same figures as `yuqing eval` (metrics.measure) — the test split
is never read. Items are analysed once and shared by every fold. `--always FILE…`: training
files in every fold's training set and never measured, to ask whether new items help on the
others (the folds and figures are then the other files' alone).
Run: python -m classifiers.crossval [--folds 5] [--errors FILE] [--always train_d.jsonl …]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.model_selection import GroupKFold

from classifiers.analysis import Analysis, ItemAnalyzer
from classifiers.corpus import CORPUS_DIR, CorpusItem, CorpusLoader
from classifiers.decision import Decision
from classifiers.events import new_event_id
from classifiers.metrics import Figures, measure
from classifiers.model_classifier import ModelClassifier
from classifiers.training import examples_of, train_bundle
from pipeline.models import ScoredItem


def _scored(model: ModelClassifier, analyses: Sequence[Analysis]) -> list[ScoredItem]:
    decisions: list[Decision] = model.decide_many(analyses)
    out = []
    for a, d in zip(analyses, decisions, strict=True):
        d.event_id, d.event_how = new_event_id(a.item.parent_id or a.item.id), "交叉验证"
        out.append(model.builder.build(a, d))
    return out


def cross_validate(
    items: Sequence[CorpusItem],
    analyzer: ItemAnalyzer,
    folds: int = 5,
    always: Sequence[CorpusItem] = (),
) -> tuple[Figures, list[ScoredItem]]:
    """Out-of-fold figures and the out-of-fold scored items (in the order of `items`);
    `always`: items added to every fold's training set, never measured."""
    examples = examples_of(items)
    analyses = [analyzer.analyze(e.item) for e in examples]
    extra = examples_of(always)
    extra_analyses = [analyzer.analyze(e.item) for e in extra]
    groups = np.array([i.event for i in items])
    scored: list[ScoredItem | None] = [None] * len(items)
    splitter = GroupKFold(n_splits=folds)
    for train, test in splitter.split(np.zeros(len(items)), groups=groups):
        bundle, _ = train_bundle(
            [examples[i] for i in train] + extra,
            analyzer,
            analyses=[analyses[i] for i in train] + extra_analyses,
        )
        model = ModelClassifier(analyzer.profile, bundle, analyzer=analyzer)
        for i, s in zip(test, _scored(model, [analyses[i] for i in test]), strict=True):
            scored[i] = s
    done = [s for s in scored if s is not None]
    return measure(done, items), done


def main(argv: list[str]) -> int:
    from pipeline.profile import load_profile

    parser = argparse.ArgumentParser(prog="python -m classifiers.crossval")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--errors", type=Path, help="write the out-of-fold mistakes here")
    parser.add_argument(
        "--always", nargs="+", default=[], metavar="FILE", help="train on, never measure"
    )
    args = parser.parse_args(argv)
    profile = load_profile("dingan")
    loader = CorpusLoader(profile)
    always = {CORPUS_DIR / name for name in args.always}
    files = sorted(set(CORPUS_DIR.glob("train_*.jsonl")) - always)
    items = loader.load(files)
    figures, _ = cross_validate(
        items, ItemAnalyzer(profile), args.folds, loader.load(sorted(always))
    )
    print(json.dumps(figures.headline()))
    for code, prf in figures.categories.items():
        print(f"  {code:18} P {prf.precision:.3f} R {prf.recall:.3f} F1 {prf.f1:.3f}")
    if args.errors:
        args.errors.write_text("\n".join(figures.errors) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
