"""`yuqing clean FILE…` through click's CliRunner."""

from __future__ import annotations

import urllib.request

from click.testing import CliRunner

from crawlers.commands import clean
from tests.crawlers.conftest import SEEDS


def test_one_text_file_prints_its_clean_text():
    (path,) = SEEDS.glob("000_*.txt")
    result = CliRunner().invoke(clean, [str(path)])
    assert result.exit_code == 0
    assert result.output.startswith("各县、市、区人民政府，临汾")
    assert "网站地图" not in result.output and "==>" not in result.output


def test_several_files_get_headers_and_html_is_extracted(tmp_path, demo_sites):
    notice = demo_sites.gov.content.in_column("zwdt")[0]
    page = tmp_path / "notice.html"
    page.write_bytes(urllib.request.urlopen(demo_sites.base_url + notice.path()).read())
    (seed,) = SEEDS.glob("001_*.txt")
    result = CliRunner().invoke(clean, [str(page), str(seed)])
    assert result.exit_code == 0
    assert result.output.startswith(f"==> {page} <==\n{notice.title}\n")
    assert f"==> {seed} <==" in result.output
    assert "琼ICP备" not in result.output and "索引号" not in result.output


def test_missing_file_is_reported_and_the_others_still_cleaned(tmp_path):
    (seed,) = SEEDS.glob("002_*.txt")
    missing = tmp_path / "nope.html"
    result = CliRunner().invoke(clean, [str(missing), str(seed)])
    assert result.exit_code == 1
    assert f"yuqing clean: {missing}: cannot read: No such file or directory" in result.stderr
    assert "商丹园区管委会" in result.stdout


def test_spam_warning_goes_to_stderr():
    (seed,) = SEEDS.glob("004_*.txt")
    result = CliRunner().invoke(clean, [str(seed)])
    assert result.exit_code == 0
    assert "warning: seo_spam" in result.stderr and "毛片" not in result.stdout
