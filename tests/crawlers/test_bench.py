"""crawlers.bench: the figures `yuqing bench` prints for the crawler."""

from __future__ import annotations

from crawlers.bench import benchmarks


def test_quick_benchmarks_measure_crawl_and_clean():
    result = benchmarks(quick=True)
    print(f"\n{result}")
    assert result["crawl"]["pages_per_s"] > 5 and result["crawl"]["items"] >= 150
    assert result["clean"]["pages_per_s"] > 5
