"""Coalescing (one message plus updates), findings, the daily digest, the report-up event,
and the Chinese message people read."""

from __future__ import annotations

from alerts.delivery.compose import MessageComposer
from alerts.delivery.jobs import JobStore
from alerts.events import first_time
from pipeline.models import ScoredItem
from pipeline.profile import load_profile
from tests.alerts.channels.receivers import RobotReceiver, SmtpSink
from tests.alerts.conftest import T0
from tests.alerts.delivery.conftest import Desk, hook_channel, mail_channel, make_notice
from tests.factories import make_finding, make_scored


def hook_options(receiver: RobotReceiver, **over) -> dict:
    return {
        "channels": {"hook": hook_channel(receiver)},
        "recipients": {"default": {"channels": ["hook"]}},
        **over,
    }


def test_storm_about_one_case_is_one_message_plus_one_update(
    desk: Desk, receiver: RobotReceiver
) -> None:
    case = desk.add_case()
    worker = desk.worker(**hook_options(receiver, coalesce_window_s=600))
    first = make_notice(case, kind="reminder", marker="50%")
    desk.notify(first)
    desk.drain(worker)
    storm = [make_notice(case, kind="reminder", marker=f"{p}%") for p in (60, 70, 80)]
    desk.notify(*storm)
    desk.drain(worker, seconds=60)
    desk.drain(worker, seconds=60)
    assert [r.headers["idempotency-key"] for r in receiver.on("/hook")] == [first.message_id]
    desk.drain(worker, seconds=481)  # the window is over: one update for the three
    ids = [r.headers["idempotency-key"] for r in receiver.on("/hook")]
    assert len(ids) == 2 and ids[1].startswith("upd-")
    update = receiver.on("/hook")[1].json
    assert update["title"].startswith("更新（3 条）")
    assert all(desk.outbox_state(n.message_id) == "sent" for n in [first, *storm])
    desk.drain(worker, hours=1)
    assert len(receiver.on("/hook")) == 2


def test_escalation_is_never_held(desk: Desk, receiver: RobotReceiver) -> None:
    case = desk.add_case()
    worker = desk.worker(**hook_options(receiver))
    desk.notify(make_notice(case, kind="reminder", marker="80%"))
    desk.drain(worker)
    desk.notify(make_notice(case, kind="escalation", marker="rung-1"))
    desk.drain(worker, seconds=5)
    assert len(receiver.on("/hook")) == 2


def test_message_in_chinese_with_clock_town_evidence_and_link(
    desk: Desk, smtp_sink: SmtpSink
) -> None:
    item: ScoredItem = make_scored(0, title="龙湖镇停水，电话138****1234")
    desk.stores.items.put_many([item])
    case = desk.add_case()
    notice = make_notice(case)
    desk.notify(notice)
    options = {
        "channels": {"mail": mail_channel(smtp_sink)},
        "recipients": {"default": {"channels": ["mail"]}},
        "base_url": "https://yuqing.dingan.example/",
    }
    desk.drain(desk.worker(**options))
    (mail,) = smtp_sink.messages
    assert mail["Subject"] == "【舆情升级】超期升级：龙湖镇停水 0"
    text = mail.get_body(("plain",)).get_content()
    for expected in (
        "类别：公众切身利益",
        "属地：龙湖镇",
        "时限：回应，截止 2026-11-22 10:00（北京时间），计时中",
        "牵头部门：县水务局",
        "定安论坛「龙湖镇停水，电话138****1234」",
        "案件链接：https://yuqing.dingan.example/cases/case-0",
        f"消息编号：{notice.message_id}",
    ):
        assert expected in text


def test_report_up_delivered_meets_the_clock_event(desk: Desk, receiver: RobotReceiver) -> None:
    case = desk.add_case()
    notice = make_notice(case, kind="report_up", marker="opened", clock="report_up")
    desk.notify(notice)
    worker = desk.worker(**hook_options(receiver))
    desk.drain(worker)
    stored = desk.stores.cases.get(case.case_id)
    assert first_time(stored, "report_delivered") is not None
    (entry,) = [e for e in stored.timeline if e.detail.get("event") == "report_delivered"]
    assert entry.detail["message_id"] == notice.message_id and not entry.what.startswith("alert")
    desk.drain(worker, hours=1)
    again = desk.stores.cases.get(case.case_id)
    assert len([e for e in again.timeline if e.detail.get("event") == "report_delivered"]) == 1


def test_findings_go_to_the_news_office_once(desk: Desk, smtp_sink: SmtpSink) -> None:
    from alerts.delivery.findings import FindingIntake

    options = {
        "channels": {"mail": mail_channel(smtp_sink)},
        "recipients": {"default": {"channels": ["mail"]}},
    }
    worker = desk.worker(**options)
    directory = load_profile("dingan")
    intake = FindingIntake(worker.options.findings, worker.composer, worker.router, directory)
    finding = make_finding(1, kind="site_tampering", source="定安县政府网", severity="critical")
    for _ in range(2):  # a replayed topic
        job = intake.job(finding, T0)
        assert job is not None
        worker.enqueue(job)
        desk.drain(worker)
    assert len(smtp_sink.messages) == 1
    mail = smtp_sink.messages[0]
    assert "网站疑似被篡改" in mail["Subject"]
    assert smtp_sink.envelopes[0][1] == ["propaganda@dingan.example"]
    quiet = make_finding(2, severity="info")
    assert intake.job(quiet, T0) is None


def test_daily_digest_per_department(desk: Desk, receiver: RobotReceiver) -> None:
    from alerts.delivery.digest import DailyDigest

    desk.add_case(1)
    desk.add_case(2, lead_department={"code": "education", "name": "县教育局", "role": "lead"})
    worker = desk.worker(**hook_options(receiver, digest={"at": "08:30"}))
    digest = DailyDigest(
        worker.options.digest,
        "Asia/Shanghai",
        desk.stores.cases,
        desk.stores.state,
        worker.composer,
        worker.router,
    )
    early = T0.replace(hour=0)  # 08:00 local
    assert digest.plan(worker, early) == 0
    assert digest.plan(worker, T0) == 3  # water, education, town_longhu (co of both)
    assert digest.plan(worker, T0) == 0  # once a day
    worker.drain(T0)
    titles = sorted(r.json["title"] for r in receiver.on("/hook"))
    assert titles[0].startswith("每日舆情汇总：县教育局（2026-11-20）")
    town = next(r.json for r in receiver.on("/hook") if "龙湖镇" in r.json["title"])
    assert town["summary"].startswith("在办案件 2 件")
    assert all(line["link"].startswith("http://127.0.0.1:8600/cases/") for line in town["lines"])


def test_composer_without_case_or_items() -> None:
    from tests.alerts.delivery.conftest import make_case

    msg = MessageComposer("http://h", None).notice(make_notice(make_case()), None)
    assert msg.link == "http://h/cases/case-0" and msg.lines[-1].label == "通知对象"
    assert JobStore  # the store is used through the worker in the other tests
