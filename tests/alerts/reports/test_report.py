"""`yuqing report daily|weekly|monthly|case ID`: a Word document and an HTML page with the
same tables (category, town, department, cases and answers, rumours and their handover) and an
embedded chart; crawled text stays text in the HTML."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from alerts.reports.commands import report
from pipeline.config import load_settings
from pipeline.models import PoliceHandover, Response, Review
from pipeline.storage import open_stores
from tests.alerts.conftest import write_config
from tests.factories import make_case, make_scored

HOSTILE = "<script>alert(1)</script>谣传龙湖镇水库决堤"


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Path, Path]:
    config = write_config(tmp_path)
    stores = open_stores(load_settings(config))
    try:
        stores.items.put_many(
            [make_scored(n) for n in range(3)]
            + [make_scored(9, title=HOSTILE, categories=["rumor", "emergency"])]
        )
        answered = Response(
            kind="statement",
            text="已恢复供水",
            published_at="2026-11-20T14:00:00+08:00",
            review=Review(state="approved"),
        )
        stores.cases.create(make_case(1, responses=[answered]))
        stores.cases.create(
            make_case(
                9,
                title=HOSTILE,
                categories=["rumor"],
                police_handover=PoliceHandover(
                    to="县公安局", at="2026-11-20T12:00:00+08:00", evidence=["item-9"]
                ),
            )
        )
    finally:
        stores.close()
    return config, tmp_path / "out"


def run(*args: str) -> list[Path]:
    result = CliRunner().invoke(report, list(args), obj={})
    assert result.exit_code == 0, result.output
    return [Path(line) for line in result.stdout.split()]


def docx_text(path: Path) -> str:
    document = Document(str(path))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_weekly_report_in_word_and_html(seeded):
    config, out = seeded
    docx, html = run("weekly", "--date", "2026-11-20", "--config", str(config), "--out", str(out))
    assert docx.suffix == ".docx" and html.suffix == ".html"
    text = docx_text(docx)
    for expected in (
        "定安县舆情周报",
        "公众切身利益",
        "龙湖镇",
        "县水务局",
        "已恢复供水",
        "县公安局",
    ):
        assert expected in text, expected
    assert len(Document(str(docx)).inline_shapes) == 1, "the chart is embedded"
    page = html.read_text(encoding="utf-8")
    assert "data:image/png;base64," in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert "部门回应考核" in page


def test_daily_and_monthly_reports(seeded):
    config, out = seeded
    daily = run("daily", "--date", "2026-11-20", "--config", str(config), "--out", str(out))
    assert "舆情日报" in docx_text(daily[0])
    monthly = run("monthly", "--date", "2026-11-20", "--config", str(config), "--out", str(out))
    assert "2026-11-01" in monthly[0].name


def test_case_report_has_the_timeline_and_handover(seeded):
    config, out = seeded
    docx, html = run("case", "case-9", "--config", str(config), "--out", str(out))
    text = docx_text(docx)
    assert "舆情专报" in text and "谣言移交" in text and "县公安局" in text
    assert "&lt;script&gt;" in html.read_text(encoding="utf-8")


def test_a_case_report_needs_an_existing_case(seeded):
    config, out = seeded
    missing = CliRunner().invoke(report, ["case", "--config", str(config)], obj={})
    assert missing.exit_code == 2
    unknown = CliRunner().invoke(report, ["case", "nope", "--config", str(config)], obj={})
    assert unknown.exit_code == 2 and "没有案件" in unknown.output
