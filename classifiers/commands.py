"""`yuqing train` and `yuqing eval`: retrain from the corpus and the office's corrections, and
measure the current model beside the rules baseline on a labelled file.

train: corpus (train_*.jsonl) → hygiene (event split, near-duplicates of test items dropped)
→ + DATA/labels/corrections.jsonl → fit (choices by cross-validation on train) → measure the
new and the running model on the test split → replace DATA/models/current.joblib only if the
new one is not worse (mean of the four headline figures), unless --force.
eval: FILE (a corpus file), or --demo (the demo sites' items) or --seeds DIR (the seed files
as items): labelled sets of issue #6 with relevance and category labels only (evaluate.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click

from classifiers.corpus import CORPUS_DIR, CorpusError, CorpusItem, CorpusLoader
from pipeline.cli import config_options, friendly_errors, settings_from


def _figures(classifier, gold: list[CorpusItem]):
    from classifiers.metrics import measure

    return measure(classifier.score_many([g.to_item() for g in gold]), gold)


@click.command("train")
@click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=CORPUS_DIR,
    show_default=True,
    help="Folder of train_*.jsonl and test.jsonl.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the model (default: DATA/models/current.joblib).",
)
@click.option(
    "--force", is_flag=True, help="Replace the running model even if the new one is worse."
)
@click.option(
    "--skip-bad", is_flag=True, help="Skip bad corpus lines (listed) instead of stopping."
)
@config_options
@friendly_errors
def train(corpus_dir: Path, out: Path | None, force: bool, skip_bad: bool, config_path, data_dir):
    """Retrain the classifiers; replace the running model only if not worse on the test split."""
    from classifiers.analysis import ItemAnalyzer
    from classifiers.baseline import RulesClassifier
    from classifiers.bundle import ModelBundle, data_model_path, load_model
    from classifiers.corrections import CorrectionsReader, corrections_path
    from classifiers.hygiene import clean_training_set
    from classifiers.metrics import HEADLINE
    from classifiers.model_classifier import ModelClassifier
    from classifiers.training import train_bundle
    from pipeline.profile import load_profile

    settings = settings_from(config_path, data_dir)
    profile = load_profile(settings.profile, settings.source.parent if settings.source else None)
    loader = CorpusLoader(profile, strict=not skip_bad)
    try:
        train_items = loader.load_split("train", corpus_dir)
        test_items = loader.load_split("test", corpus_dir)
    except CorpusError as exc:
        raise click.ClickException(str(exc)) from None
    for error in loader.errors:
        click.echo(f"skipped: {error}", err=True)
    if not train_items:
        raise click.ClickException(f"no training items in {corpus_dir}")
    kept, hygiene = clean_training_set(train_items, test_items)
    click.echo(hygiene.summary())
    from classifiers.training import examples_of

    examples = examples_of(kept)
    reader = CorrectionsReader(profile)
    office = reader.read(corrections_path(settings.data_dir))
    click.echo(f"office corrections: {len(office)} item(s), {len(reader.skipped)} line(s) skipped")
    analyzer = ItemAnalyzer(profile)
    bundle, report = train_bundle(
        examples + office, analyzer, {"corpus": str(corpus_dir), "office_items": len(office)}
    )
    click.echo("cross-validation on train: " + json.dumps(report, ensure_ascii=False))
    target = out or data_model_path(settings.data_dir)
    if not test_items:
        click.echo("no test split: cannot compare; writing the new model")
        click.echo(f"model written: {bundle.save(target)}")
        return
    new = _figures(ModelClassifier(profile, bundle, analyzer=analyzer), test_items)
    running = (
        load_model(settings.data_dir)
        if target == data_model_path(settings.data_dir)
        else (ModelBundle.load(target) if target.exists() else None)
    )
    current = (
        ModelClassifier(profile, running, analyzer=analyzer)
        if running
        else RulesClassifier(profile, analyzer=analyzer)
    )
    old = _figures(current, test_items)
    name = "running model" if running else "rules baseline"
    click.echo(f"\ntest split ({len(test_items)} items)    {'new':>10} {name:>16}")
    for key in (*HEADLINE, "macro"):
        click.echo(f"  {key:22} {getattr(new, key):10.4f} {getattr(old, key):16.4f}")
    if new.macro >= old.macro or force:
        bundle.meta["test"] = new.headline()
        click.echo(f"model written: {bundle.save(target)}")
    else:
        click.echo(f"kept the {name}: the new model is worse on the test split (use --force)")


def _clean_with_cli(paths: list[Path]) -> list[str]:
    """Each file's main text as a crawler stores it, from `yuqing clean` (the crawlers'
    cleaner, reached through its command: stages do not import each other)."""
    from classifiers.evaluate import split_clean_output

    cmd = [sys.executable, "-m", "pipeline.cli", "clean", *map(str, paths)]
    done = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", check=False)
    if done.returncode != 0:
        raise click.ClickException(f"yuqing clean 失败：{done.stderr.strip()[-500:]}")
    return split_clean_output(done.stdout, paths)


def _gold(file: Path | None, demo: bool, seeds: Path | None, profile) -> list[CorpusItem]:
    from classifiers.evaluate import DEMO_SET, seed_set

    try:
        if seeds is not None:
            return seed_set(seeds, _clean_with_cli)
        return CorpusLoader(profile).load([DEMO_SET if demo else file])
    except (CorpusError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None


@click.command("eval")
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--demo", is_flag=True, help="The demo sites' items (labels: their intents).")
@click.option(
    "--seeds",
    "seeds_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The seed files in DIR as items (labels: classifiers/data/eval/seeds.yaml).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON too.")
@click.option("--errors", is_flag=True, help="List the model's mistakes.")
@config_options
@friendly_errors
def evaluate(
    file: Path | None,
    demo: bool,
    seeds_dir: Path | None,
    as_json: bool,
    errors: bool,
    config_path,
    data_dir,
) -> None:
    """Per-class P/R/F1 and the headline figures of the model and the rules baseline on FILE,
    on the demo sites' items (--demo) or on the seed files as items (--seeds DIR)."""
    from classifiers.analysis import ItemAnalyzer
    from classifiers.baseline import RulesClassifier
    from classifiers.bundle import load_model
    from classifiers.evaluate import LABELLED, labelled_errors, labelled_only
    from classifiers.metrics import measure, side_by_side
    from classifiers.model_classifier import ModelClassifier
    from pipeline.profile import load_profile

    if sum((file is not None, demo, seeds_dir is not None)) != 1:
        raise click.UsageError("give one of FILE, --demo or --seeds DIR")
    settings = settings_from(config_path, data_dir)
    profile = load_profile(settings.profile, settings.source.parent if settings.source else None)
    gold = _gold(file, demo, seeds_dir, profile)
    analyzer = ItemAnalyzer(profile)
    items = [g.to_item() for g in gold]
    baseline = measure(RulesClassifier(profile, analyzer=analyzer).score_many(items), gold)
    bundle = load_model(settings.data_dir)
    if bundle is None:
        click.echo("no model: showing the rules baseline twice", err=True)
        model = baseline
    else:
        model = measure(ModelClassifier(profile, bundle, analyzer=analyzer).score_many(items), gold)
        click.echo(f"model: {bundle.meta.get('path')} (trained {bundle.meta.get('trained_at')})")
    names = ("model", "rules")
    table = side_by_side(model, baseline, names)
    if file is None:  # relevance and category labels only
        click.echo(labelled_only(table, (model, baseline), names))
        found = {"model": model, "rules": baseline}
        figures = {
            k: {key: round(getattr(f, key), 4) for key in LABELLED} for k, f in found.items()
        }
        mistakes = labelled_errors(model)
    else:
        click.echo(table)
        figures = {"model": model.headline(), "rules": baseline.headline()}
        mistakes = model.errors
    if errors:
        click.echo("\n".join(mistakes))
    if as_json:
        click.echo(json.dumps(figures))
    sys.stdout.flush()
