"""Crawler benchmarks for `yuqing bench`: a crawl of the bundled demo sites (pages per second,
real sockets, every spider kind) and the cleaner on demo pages (pages per second)."""

from __future__ import annotations

import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from crawlers.clean import clean_html
from crawlers.demo import DemoSites, serve_demo_sites

DEMO_SOURCES = Path(__file__).resolve().parent.parent / "deploy" / "sources" / "demo.yaml"


def demo_page_paths(sites: DemoSites) -> list[str]:
    paths = [n.path() for n in sites.gov.content.notices]
    paths += [sites.news.path(a) for a in sites.news.articles]
    paths += [f"/blog/post/{p['id']}.html" for p in sites.blog.posts]
    paths += [f"/forum/forum.php?mod=viewthread&tid={t.tid}" for t in sites.forum.content.threads]
    return paths


def bench_clean(sites: DemoSites, rounds: int) -> dict[str, Any]:
    pages = [urllib.request.urlopen(sites.base_url + p).read() for p in demo_page_paths(sites)]
    started = time.perf_counter()
    for _ in range(rounds):
        for page in pages:
            clean_html(page)
    seconds = time.perf_counter() - started
    return {"pages_per_s": round(len(pages) * rounds / seconds, 1), "pages": len(pages) * rounds}


def bench_crawl(sites: DemoSites) -> dict[str, Any]:
    from crawlers.crawl import crawl_in_child
    from crawlers.health import HealthBook
    from crawlers.sources import load_sources
    from pipeline.config import load_settings
    from pipeline.storage import open_stores

    with tempfile.TemporaryDirectory(prefix="yuqing-bench-") as tmp:
        settings = load_settings(None, Path(tmp))
        sources = load_sources(DEMO_SOURCES, env={"YUQING_DEMO_URL": sites.base_url})
        report = crawl_in_child(settings, sources, track_changes=False)
        stores = open_stores(settings)
        try:
            pages = sum(h.get("total_pages", 0) for h in HealthBook(stores.state).all().values())
        finally:
            stores.close()
    return {
        "pages_per_s": round(pages / report.seconds, 1),
        "items_per_s": round(report.emitted / report.seconds, 1),
        "pages": pages,
        "items": report.emitted,
        "seconds": round(report.seconds, 2),
    }


def benchmarks(quick: bool = False) -> dict[str, dict[str, Any]]:
    """{"crawl": {"pages_per_s": …}, "clean": {"pages_per_s": …}}."""
    with serve_demo_sites() as sites:
        return {"crawl": bench_crawl(sites), "clean": bench_clean(sites, 1 if quick else 5)}


if __name__ == "__main__":
    import json

    print(json.dumps(benchmarks(quick=False)))
