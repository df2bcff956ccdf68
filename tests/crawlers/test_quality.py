"""Cleaning quality against hand-made gold main text (tests/crawlers/gold): demo page snapshots
through `clean_html` (what `yuqing clean` prints) and the seed files through `clean_text`.
Prints precision / recall; asserts floors."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.clean import clean_html, clean_text
from crawlers.quality import micro, score
from tests.crawlers.conftest import SEEDS

GOLD = Path(__file__).parent / "gold"
DEMO_PAGES = sorted((GOLD / "demo").glob("*.html"))
SEED_GOLD = sorted((GOLD / "seeds").glob("*.txt"))


def seed_text(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def gold(path: Path) -> str:
    return path.with_suffix(".txt").read_text(encoding="utf-8")


def test_score_basics():
    assert score("定安县", "定安县").f1 == 1.0
    half = score("定安县网站地图", "定安县")
    assert half.recall == 1.0 and half.precision == pytest.approx(2 / 6)
    assert score("定安县，", "定安县,").f1 == 1.0  # full/half width is not an error


@pytest.mark.parametrize("page", DEMO_PAGES, ids=lambda p: p.stem)
def test_demo_pages(page):
    s = score(clean_html(page.read_bytes()).text, gold(page))
    print(f"\n{page.stem}: precision {s.precision:.3f} recall {s.recall:.3f}")
    if page.stem.startswith("forum"):  # a whole Discuz page: trafilatura keeps one post
        assert s.precision >= 0.85 and s.recall >= 0.45, s  # (the ForumSpider uses selectors)
    else:
        assert s.precision >= 0.95 and s.recall >= 0.95, s


@pytest.mark.parametrize("path", SEED_GOLD, ids=lambda p: p.stem)
def test_seeds(path):
    s = score(clean_text(seed_text(path.stem)).text, path.read_text(encoding="utf-8"))
    print(f"\nseed {path.stem}: precision {s.precision:.3f} recall {s.recall:.3f}")
    assert s.precision >= 0.95 and s.recall >= 0.95, s


def test_overall_figures():
    demo = micro([(clean_html(p.read_bytes()).text, gold(p)) for p in DEMO_PAGES])
    seeds = micro(
        [(clean_text(seed_text(p.stem)).text, p.read_text(encoding="utf-8")) for p in SEED_GOLD]
    )
    print(f"\ndemo pages ({len(DEMO_PAGES)}): precision {demo.precision:.3f} "
          f"recall {demo.recall:.3f} F1 {demo.f1:.3f}")  # fmt: skip
    print(f"seeds ({len(SEED_GOLD)}): precision {seeds.precision:.3f} "
          f"recall {seeds.recall:.3f} F1 {seeds.f1:.3f}")  # fmt: skip
    assert len(DEMO_PAGES) >= 10 and len(SEED_GOLD) == 5
    assert demo.f1 >= 0.85 and seeds.f1 >= 0.95
