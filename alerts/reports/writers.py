"""Writing a report: a Word document (python-docx) and an HTML page (autoescaped Jinja2), both
with the same tables and the chart (embedded: a picture in Word, a data: URI in HTML)."""

from __future__ import annotations

import base64
import io
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from jinja2 import Environment, FileSystemLoader

from alerts.localtime import display_local
from alerts.reports.content import ReportContent
from alerts.reports.tables import report_tables, summary_lines

TEMPLATES = Path(__file__).parent / "templates"
FONT = "SimSun"  # Word's usual Chinese body font; Word substitutes when it is missing


def _font(document: Document) -> None:
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)


def write_docx(report: ReportContent, chart_png: bytes | None, path: Path, issued: str) -> Path:
    document = Document()
    _font(document)
    heading = document.add_heading(report.title, level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = document.add_paragraph(f"{report.subtitle}　　编制: 县委宣传部（新闻办）　{issued}")
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in summary_lines(report):
        document.add_paragraph(line)
    if chart_png:
        document.add_picture(io.BytesIO(chart_png), width=Cm(16))
    for heading_text, header, rows in report_tables(report):
        document.add_heading(heading_text, level=2)
        if not rows:
            document.add_paragraph("（无）")
            continue
        table = document.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = text
            for run in cell.paragraphs[0].runs:
                run.bold = True
        for row in rows:
            for cell, text in zip(table.add_row().cells, row, strict=True):
                cell.text = text
    document.add_paragraph("注: 先审查、后公开；本报告涉及个人信息的已脱敏，仅供内部工作使用。")
    document.save(str(path))
    return path


def write_html(report: ReportContent, chart_png: bytes | None, path: Path, issued: str) -> Path:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    chart = base64.b64encode(chart_png).decode("ascii") if chart_png else ""
    html = env.get_template("report.html").render(
        report=report,
        summary=summary_lines(report),
        tables=report_tables(report),
        chart=chart,
        issued=issued,
        start=display_local(report.start),
    )
    path.write_text(html, encoding="utf-8")
    return path
