"""Issue #6: the bundled model on the demo sites' items and on the seed files as items.

The demo content (crawlers/demo/content/*.yaml) records what each entry was written to show
(`intent`: a category code, `ordinary` — relevant with no category — or `irrelevant` /
`spam`); the seeds are two 定安 documents' neighbours: only 001 (定安县政府办公室's notice) is
about the county; they are read as a crawled page is (`clean_text`). Neither has town or
lead labels, so only relevance F1 and category micro-F1 are measured, beside the rules
baseline. `pytest -s` prints the figures. Seed 003 (黄岩区茅畲乡's disclosure rules) has the
model's relevance at 0.99 (its duty words); it names only other regions' places, so the
jurisdiction check (rules/relevance.py `out_of_area`) makes it not relevant, as the rules do.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from classifiers.analysis import ItemAnalyzer
from classifiers.baseline import RulesClassifier
from classifiers.bundle import BUNDLED, ModelBundle
from classifiers.metrics import PRF
from classifiers.model_classifier import ModelClassifier
from crawlers.clean import clean_text
from crawlers.demo.content import load_forum, load_gov, load_site
from pipeline.models import CATEGORIES, Item
from tests.classifiers.conftest import item
from tests.crawlers.conftest import SEEDS

NOT_RELEVANT = {"irrelevant", "spam"}
# the bundled model's figures (relevance F1, category micro-F1) when it was trained, kept up to
# MARGIN (seeds: 0.667 before the jurisdiction check); rules baseline then: demo 0.868 / 0.606,
# seeds 1.000 / 0.000 (no category wanted)
REACHED = {"demo": (0.986, 0.852), "seeds": (1.0, None)}
MARGIN = 0.03


def demo_items() -> list[tuple[Item, bool, set[str]]]:
    """(item, relevant, categories) of every demo entry whose intent is a label."""
    now = datetime.now(UTC)
    raw: list[tuple[str, str, str, str]] = []  # (source type, title, text, intent)
    raw += [("gov_site", n.title, "\n".join(n.body), n.intent) for n in load_gov(now).notices]
    for t in load_forum(now).threads:
        raw.append(("forum", t.title, "\n".join(t.posts[0].body), t.intent))
    for site, key, source in (
        ("blog", "posts", "blog"),
        ("news", "articles", "news"),
        ("hotline", "letters", "hotline"),
        ("weibo", "statuses", "weibo"),
    ):
        for e in load_site(site)[key]:
            raw.append((source, e.get("title", ""), e.get("body") or e["text"], e["intent"]))
    out = []
    for n, (source, title, text, intent) in enumerate(raw):
        if intent not in NOT_RELEVANT and intent != "ordinary" and intent not in CATEGORIES:
            continue  # a page written to show something else (a defaced or converted page)
        cats = {intent} if intent in CATEGORIES else set()
        it = item(str(text), n, source_type=source, source_name=source, title=str(title))
        out.append((it, intent not in NOT_RELEVANT, cats))
    return out


def seed_items() -> list[tuple[Item, bool, set[str]]]:
    paths = sorted(SEEDS.glob("*.txt"))
    if not paths:
        pytest.skip("no seed files")
    return [
        (
            item(clean_text(p.read_text(encoding="utf-8")).text, n, source_type="gov_site"),
            p.name[:3] == "001",
            set(),
        )
        for n, p in enumerate(paths)
    ]


def figures(classifier, rows) -> tuple[float, float]:
    """Relevance F1 and category micro-F1 (over every item, as metrics.measure)."""
    relevance, categories = PRF(), PRF()
    for s, (_, relevant, cats) in zip(
        classifier.score_many([r[0] for r in rows]), rows, strict=True
    ):
        relevance.add(s.relevant, relevant)
        for code in CATEGORIES:
            categories.add(code in s.categories, code in cats)
    return relevance.f1, categories.f1


@pytest.fixture(scope="module")
def classifiers(profile):
    analyzer = ItemAnalyzer(profile)
    model = ModelClassifier(profile, ModelBundle.load(BUNDLED), analyzer=analyzer)
    return model, RulesClassifier(profile, analyzer=analyzer)


@pytest.mark.parametrize("name", ["demo", "seeds"])
def test_the_model_on_the_demo_items_and_the_seeds(classifiers, name) -> None:
    rows = demo_items() if name == "demo" else seed_items()
    model, rules = (figures(c, rows) for c in classifiers)
    print(
        f"\n{name} ({len(rows)} items): model relevance F1 {model[0]:.3f}, category micro-F1 "
        f"{model[1]:.3f}; rules {rules[0]:.3f} / {rules[1]:.3f}"
    )
    for got, reached in zip(model, REACHED[name], strict=True):
        if reached is not None:
            assert got >= reached - MARGIN, (name, model)
    if name == "demo":
        assert model[0] > rules[0] and model[1] > rules[1], (model, rules)
    else:  # on the five seeds both are right
        assert model[0] == rules[0] == 1.0, (model, rules)
