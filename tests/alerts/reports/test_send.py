"""Sending an approved report through the configured channels to a real SMTP server
(aiosmtpd): the .docx attached and readable by python-docx, once per recipient and never
twice, nothing at all for an unapproved or altered report, and a resumed send after a failure
reaching only the recipient still missing."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

from docx import Document

from alerts.reports.store import ReportBook
from alerts.reports.workflow import SEND_STALE, Actor, begin_send
from tests.alerts.conftest import T0
from tests.alerts.reports.conftest import DEAD_PORT, Office, write_config


def connect(office: Office, smtp_port: int, principal_port: int = 0) -> None:
    """Point this deployment's mail channels at `smtp_port` (the principal's at its own)."""
    write_config(office.config.parent, smtp_port, principal_port)


def status(office: Office, report_id: str) -> dict:
    return json.loads(office.ok("show", report_id, "--json").stdout)


def attachments(message) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


def tables(docx: bytes) -> list[list[list[str]]]:
    document = Document(io.BytesIO(docx))
    return [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]


def test_an_approved_weekly_report_is_mailed_once_with_the_docx(office: Office, smtp_sink):
    connect(office, smtp_sink.port)
    report_id = office.approved_weekly()
    sent = office.ok("send", report_id, "--as", "mon")
    assert "已发送至" in sent.stdout
    assert sorted(rcpt for _, rcpts, _ in smtp_sink.envelopes for rcpt in rcpts) == [
        "fgld@dingan.example",
        "zyld@dingan.example",
    ]
    message = smtp_sink.messages[0]
    assert message["Subject"].startswith("【舆情报告】定安县舆情周报")
    assert f"rpt-{report_id}@" in message["Message-ID"]
    body = message.get_body(("plain",)).get_content()
    assert "boss" in body and "mon2" in body, "the mail names who reviewed and approved"
    files = attachments(message)
    docx = files[f"yuqing-{report_id}.docx"]
    assert Path(status(office, report_id)["files"]["docx"]["path"]).read_bytes() == docx
    found = tables(docx)
    assert ["类别", "条数"] in [t[0] for t in found]
    cases = next(t for t in found if t[0][:3] == ["标题", "类别", "牵头部门"])
    assert any(row[2] == "县水务局" and "已恢复供水" in row[5] for row in cases[1:])
    assert "舆情周报" in files[f"yuqing-{report_id}.html"]
    stored = status(office, report_id)
    assert stored["status"] == "sent" and stored["sent_by"] == "mon"
    assert [d["state"] for d in stored["deliveries"]] == ["sent", "sent"]

    again = office.ok("send", report_id, "--as", "boss")
    assert "不会重复发送" in again.stdout
    assert len(smtp_sink.envelopes) == 2, "a second send sent nothing"
    assert [s["action"] for s in status(office, report_id)["history"]][-2:] == ["send", "sent"]


def test_an_unapproved_report_is_not_sent(office: Office, smtp_sink):
    connect(office, smtp_sink.port)
    report_id = office.draft_weekly()
    for step in (None, ("review", "mon2")):
        if step:
            office.ok(step[0], report_id, "--as", step[1])
        refused = office.cli("send", report_id, "--as", "boss")
        assert refused.exit_code == 2 and "未经领导审核批准，不能发送" in refused.output
    assert smtp_sink.envelopes == []
    assert status(office, report_id)["status"] == "reviewed"


def test_a_report_altered_after_approval_is_not_sent(office: Office, smtp_sink):
    connect(office, smtp_sink.port)
    report_id = office.approved_weekly()
    html = Path(status(office, report_id)["files"]["html"]["path"])
    html.write_text(html.read_text(encoding="utf-8") + "<p>审核后加的一句</p>", encoding="utf-8")
    refused = office.cli("send", report_id, "--as", "mon")
    assert refused.exit_code == 2 and "审核后被修改" in refused.output
    assert smtp_sink.envelopes == []
    assert status(office, report_id)["status"] == "approved"


def test_a_failed_recipient_is_retried_alone(office: Office, smtp_sink):
    connect(office, smtp_sink.port, principal_port=DEAD_PORT)
    report_id = office.approved_weekly()
    failed = office.cli("send", report_id, "--as", "mon")
    assert failed.exit_code == 2 and "张某某（县长）" in failed.output, failed.output
    assert [rcpts for _, rcpts, _ in smtp_sink.envelopes] == [["fgld@dingan.example"]]
    stored = status(office, report_id)
    assert stored["status"] == "approved"
    assert {d["recipient"]: d["state"] for d in stored["deliveries"]} == {
        "郑某某（县委常委、宣传部部长）": "sent",  # the leader in charge of the news office
        "张某某（县长）": "failed",
    }
    connect(office, smtp_sink.port)  # the principal leader's mail server is back
    office.ok("send", report_id, "--as", "mon")
    assert [rcpts for _, rcpts, _ in smtp_sink.envelopes] == [
        ["fgld@dingan.example"],
        ["zyld@dingan.example"],
    ]
    stored = status(office, report_id)
    assert stored["status"] == "sent"
    assert sorted(d["state"] for d in stored["deliveries"]) == ["sent", "sent"]


def test_a_sent_report_stays_as_sent_and_a_new_draft_is_its_revision(office: Office, smtp_sink):
    connect(office, smtp_sink.port)
    report_id = office.approved_weekly()
    office.ok("send", report_id, "--as", "mon")
    sent = status(office, report_id)
    office.draft_weekly()
    assert status(office, report_id) == sent, "the sent report is not touched"
    revision = status(office, f"{report_id}-r2")
    assert revision["status"] == "draft" and revision["files"] != sent["files"]
    for fmt, file in sent["files"].items():
        assert Path(file["path"]).is_file(), fmt
    case = office.ok("case", "case-9", "--out", str(office.out), "--as", "mon")
    assert "case-9" in case.stdout
    assert status(office, "case-9")["kind"] == "case"


def test_a_send_in_progress_is_not_repeated_until_it_is_stale(office: Office, smtp_sink):
    connect(office, smtp_sink.port)
    report_id = office.approved_weekly()
    stores = office.stores()
    try:  # another process claimed the send and has not finished (or crashed)
        book = ReportBook(stores.state)
        book.update(report_id, lambda r: begin_send(r, Actor("boss", "leader"), T0))
    finally:
        stores.close()
    soon = office.cli("send", report_id, "--as", "mon", clock=lambda: T0 + timedelta(minutes=2))
    assert soon.exit_code == 2 and "正在发送中" in soon.output
    assert smtp_sink.envelopes == []
    later = T0 + SEND_STALE + timedelta(minutes=1)
    resumed = office.cli("send", report_id, "--as", "mon", clock=lambda: later)
    assert resumed.exit_code == 0, resumed.output
    assert len(smtp_sink.envelopes) == 2 and status(office, report_id)["status"] == "sent"
