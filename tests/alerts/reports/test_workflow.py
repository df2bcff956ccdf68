"""The report workflow through `yuqing report …` on real SQLite stores: draft → reviewed →
approved → sent, rejects back to draft with a reason, the audit trail, and every refusal
(wrong role, wrong order, the drafter approving their own report, an unknown user)."""

from __future__ import annotations

import json

from alerts.reports.records import ReportRecord
from alerts.reports.store import ReportBook, ReportConflict
from tests.alerts.reports.conftest import Office


def record(office: Office, report_id: str) -> dict:
    return json.loads(office.ok("show", report_id, "--json").stdout)


def refused(office: Office, *args: str) -> str:
    result = office.cli(*args)
    assert result.exit_code == 2, result.output
    return result.output


def test_a_drafted_report_is_stored_as_a_draft_with_its_files(office: Office):
    report_id = office.draft_weekly()
    listed = json.loads(office.ok("list", "--json").stdout)
    assert [r["report_id"] for r in listed] == [report_id]
    stored = listed[0]
    assert stored["status"] == "draft" and stored["kind"] == "weekly"
    assert stored["drafted_by"] == "mon" and stored["title"] == "定安县舆情周报"
    assert stored["period"] == "2026-11-16 至 2026-11-22"
    assert set(stored["files"]) == {"docx", "html"}
    assert stored["files"]["docx"]["path"].endswith(f"yuqing-{report_id}.docx")
    assert [s["action"] for s in stored["history"]] == ["draft"]
    assert "草稿" in office.ok("list").stdout


def test_review_then_approve_records_who_and_when(office: Office):
    report_id = office.draft_weekly()
    office.ok("review", report_id, "--as", "mon2", "--note", "数据已核对")
    office.ok("approve", report_id, "--as", "boss")
    stored = record(office, report_id)
    assert stored["status"] == "approved"
    assert (stored["reviewed_by"], stored["approved_by"]) == ("mon2", "boss")
    trail = [(s["actor"], s["role"], s["action"], s["to_status"]) for s in stored["history"]]
    assert trail == [
        ("mon", "monitor", "draft", "draft"),
        ("mon2", "monitor", "review", "reviewed"),
        ("boss", "leader", "approve", "approved"),
    ]
    assert stored["history"][1]["note"] == "数据已核对"
    assert all(s["at"].endswith("+08:00") for s in stored["history"])
    shown = office.ok("show", report_id).stdout
    assert "负责人审核" in shown and "领导审核批准" in shown


def test_steps_out_of_order_or_by_the_wrong_role_are_refused(office: Office):
    report_id = office.draft_weekly()
    assert "尚未经负责人审核" in refused(office, "approve", report_id, "--as", "boss")
    assert "编制人不能审核" in refused(office, "review", report_id, "--as", "mon")
    assert "无权" in refused(office, "review", report_id, "--as", "officer")
    assert "不是系统用户" in refused(office, "review", report_id, "--as", "stranger")
    assert "无权" in refused(office, "weekly", "--date", "2026-11-20", "--as", "boss")
    office.ok("review", report_id, "--as", "mon2")
    assert "无权" in refused(office, "approve", report_id, "--as", "mon2")
    assert "只有草稿" in refused(office, "review", report_id, "--as", "root")
    assert "未经领导审核批准" in refused(office, "send", report_id, "--as", "mon")
    assert "没有这份报告" in refused(office, "approve", "weekly-1999-01-01", "--as", "boss")
    stored = record(office, report_id)
    assert stored["status"] == "reviewed" and len(stored["history"]) == 2, "nothing recorded"


def test_the_drafter_cannot_approve_their_own_report(office: Office):
    report_id = office.draft_weekly(actor="root")
    office.ok("review", report_id, "--as", "mon")
    assert "编制人不能批准" in refused(office, "approve", report_id, "--as", "root")


def test_reject_sends_it_back_to_draft_with_the_reason(office: Office):
    report_id = office.draft_weekly()
    office.ok("review", report_id, "--as", "mon2")
    office.ok("approve", report_id, "--as", "boss")
    missing = office.cli("reject", report_id, "--as", "boss")
    assert missing.exit_code == 2 and "--reason" in missing.output
    assert "无权" in refused(office, "reject", report_id, "--as", "mon2", "--reason", "x")
    office.ok("reject", report_id, "--as", "boss", "--reason", "龙湖镇数据需再核对")
    stored = record(office, report_id)
    assert stored["status"] == "draft" and stored["rejection"] == "龙湖镇数据需再核对"
    assert stored["reviewed_by"] == "" and stored["approved_by"] == ""
    last = stored["history"][-1]
    assert (last["actor"], last["action"], last["from_status"]) == ("boss", "reject", "approved")
    assert "未经领导审核批准" in refused(office, "send", report_id, "--as", "mon")
    office.ok("review", report_id, "--as", "mon2")  # the loop starts again
    assert record(office, report_id)["status"] == "reviewed"


def test_redrafting_an_approved_report_needs_review_again(office: Office):
    report_id = office.approved_weekly()
    office.draft_weekly(actor="mon")
    stored = record(office, report_id)
    assert stored["status"] == "draft" and stored["approved_by"] == ""
    assert stored["history"][-1]["action"] == "redraft"


def test_without_dashboard_accounts_any_name_acts_and_is_recorded(tmp_path):
    from tests.alerts.reports.conftest import seed, write_config

    config = write_config(tmp_path)
    seed(config, users=False)
    office = Office(config, tmp_path / "out")
    report_id = office.draft_weekly(actor="张三")
    assert "编制人不能审核" in refused(office, "review", report_id, "--as", "张三")
    office.ok("review", report_id, "--as", "李四")
    office.ok("approve", report_id, "--as", "王五")
    stored = record(office, report_id)
    assert [s["actor"] for s in stored["history"]] == ["张三", "李四", "王五"]


def test_two_writers_from_the_same_version_cannot_both_win(office: Office):
    report_id = office.draft_weekly()
    stores = office.stores()
    try:
        book = ReportBook(stores.state)
        current = book.get(report_id)
        first = current.model_copy(update={"version": 2, "status": "reviewed"})
        second = current.model_copy(update={"version": 2, "status": "approved"})
        book._claim(first)
        try:
            book._claim(second)
            raise AssertionError("the second writer of version 2 was not refused")
        except ReportConflict:
            pass
        assert book.get(report_id).status == "reviewed"
        # a version logged but not yet copied (a crash in between) is still read
        logged = first.model_copy(update={"version": 3, "status": "approved", "claim": "x"})
        stores.state.put("report-log", f"{report_id}/000003", logged.model_dump())
        assert book.get(report_id).status == "approved"
        assert isinstance(book.list()[0], ReportRecord) and book.list()[0].version == 3
    finally:
        stores.close()
