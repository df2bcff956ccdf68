"""The reports open in LibreOffice (Debian's, installed by the test command): a weekly report's
.docx converted headless to HTML keeps its heading, its tables with their rows and the embedded
chart — what an office that does not use Word sees."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.alerts.reports.test_report import run, seeded  # noqa: F401 (fixture)

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")


def convert(docx: Path, to: str, out: Path) -> Path:
    """`soffice --headless --convert-to` with a profile of its own (no shared user state)."""
    profile = out / "lo-profile"
    result = subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            to,
            "--outdir",
            str(out),
            str(docx),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    converted = out / f"{docx.stem}.{to.split(':')[0]}"
    assert converted.exists(), result.stdout + result.stderr
    return converted


def test_the_weekly_report_opens_in_libreoffice_with_its_tables_and_chart(seeded, tmp_path):  # noqa: F811
    config, out = seeded
    docx, _ = run("weekly", "--date", "2026-11-20", "--config", str(config), "--out", str(out))
    page = convert(docx, "html", tmp_path).read_text(encoding="utf-8", errors="replace")
    assert "定安县舆情周报" in page
    tables = re.findall(r"<table.*?</table>", page, flags=re.S)
    assert len(tables) >= 3, "category, town / department and case tables"
    rows = "".join(tables)
    for expected in ("公众切身利益", "龙湖镇", "县水务局", "已恢复供水", "县公安局"):
        assert expected in rows, expected
    assert re.search(r"<img[^>]+src=", page), "the chart is an image LibreOffice shows"
    assert "<script>alert(1)</script>" not in page  # hostile titles stay text
