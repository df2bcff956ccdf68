"""Retries with exponential back-off (persisted: a restart keeps the schedule), fallback to
the recipient's next channel, and `channel_down` findings."""

from __future__ import annotations

from alerts.delivery.jobs import JobStore
from tests.alerts.channels.receivers import DING_SECRET, RobotReceiver, SmtpSink
from tests.alerts.delivery.conftest import Desk, hook_channel, mail_channel, make_notice


def test_receiver_rejecting_three_times_gets_it_on_the_fourth_try(
    desk: Desk, receiver: RobotReceiver
) -> None:
    case = desk.add_case()
    notice = make_notice(case)
    desk.notify(notice)
    for _ in range(3):
        receiver.script("/hook", (503, {"error": "busy"}))
    options = {
        "channels": {"hook": hook_channel(receiver)},
        "recipients": {"default": {"channels": ["hook"]}},
    }
    worker = desk.worker(**options)
    desk.drain(worker)
    assert len(receiver.on("/hook")) == 1 and desk.outbox_state(notice.message_id) == "pending"
    desk.drain(worker, seconds=30)  # back-off 60 s: not yet
    assert len(receiver.on("/hook")) == 1
    desk.drain(worker, seconds=31)  # 2nd try, then 120 s
    desk.drain(worker, seconds=121)  # 3rd try, then 240 s
    desk.drain(worker, seconds=241)  # 4th try: accepted
    requests = receiver.on("/hook")
    assert len(requests) == 4
    assert {r.headers["idempotency-key"] for r in requests} == {notice.message_id}
    assert [r.headers["x-yuqing-attempt"] for r in requests] == ["1", "2", "3", "4"]
    assert desk.outbox_state(notice.message_id) == "sent"
    assert desk.findings == []  # four tries stay under attempts_per_channel: no channel_down
    desk.drain(worker, hours=5)
    assert len(receiver.on("/hook")) == 4


def test_restart_keeps_the_backoff_schedule(desk: Desk, receiver: RobotReceiver) -> None:
    desk.add_case()
    notice = make_notice(desk.stores.cases.get("case-0"))
    desk.notify(notice)
    receiver.script("/hook", (503, {"error": "busy"}))
    options = {
        "channels": {"hook": hook_channel(receiver)},
        "recipients": {"default": {"channels": ["hook"]}},
    }
    desk.drain(desk.worker(**options))
    job = JobStore(desk.stores.state).get(notice.message_id)
    assert job is not None and job.legs[0].attempts == 1
    assert job.legs[0].next_at.startswith("2026-11-20T10:01:00")
    restarted = desk.worker(**options)  # a new process: only the store remembers
    desk.drain(restarted, seconds=59)
    assert len(receiver.on("/hook")) == 1
    desk.drain(restarted, seconds=1)
    assert len(receiver.on("/hook")) == 2
    assert desk.outbox_state(notice.message_id) == "sent"


def test_bad_signature_falls_back_and_raises_channel_down(
    desk: Desk, receiver: RobotReceiver, smtp_sink: SmtpSink
) -> None:
    case = desk.add_case()
    first, second = make_notice(case), make_notice(case, marker="rung-2")
    desk.notify(first)
    options = {
        "channels": {
            "robot": {"type": "dingtalk", "webhook": receiver.url("/dingtalk"), "secret": "SECold"},
            "mail": mail_channel(smtp_sink),
        },
        "recipients": {"water": {"channels": ["robot", "mail"]}},
    }
    worker = desk.worker(**options)
    desk.drain(worker)
    assert len(receiver.on("/dingtalk")) == 1  # 310000 sign not match: no retry on it
    assert [m["Message-ID"] for m in smtp_sink.messages] == [f"<{first.message_id}@dingan.example>"]
    assert smtp_sink.envelopes[0][1] == ["water@dingan.example"]  # the profile's address
    (finding,) = desk.findings
    assert finding.kind == "channel_down" and finding.source == "notify:robot"
    assert "310000" in finding.detail and "SECold" not in finding.detail
    # While it is down, the next notice goes straight to mail, and no second finding.
    desk.notify(second)
    desk.drain(worker, seconds=5)
    assert len(receiver.on("/dingtalk")) == 1 and len(smtp_sink.messages) == 2
    assert len(desk.findings) == 1
    job = JobStore(desk.stores.state).get(first.message_id)
    assert job is not None and job.legs[0].channel == "mail"


def test_rate_limit_until_exhausted_then_fallback(
    desk: Desk, receiver: RobotReceiver, smtp_sink: SmtpSink
) -> None:
    case = desk.add_case()
    notice = make_notice(case)
    desk.notify(notice)
    for _ in range(3):
        receiver.script("/wecom", (200, {"errcode": 45009, "errmsg": "api freq out of limit"}))
    options = {
        "channels": {
            "robot": {"type": "wecom", "webhook": receiver.url("/wecom")},
            "mail": mail_channel(smtp_sink),
        },
        "recipients": {"default": {"channels": ["robot", "mail"]}},
        "retry": {"first_s": 10, "attempts_per_channel": 3},
    }
    worker = desk.worker(**options)
    for step in (0, 11, 21):
        desk.drain(worker, seconds=step)
    assert len(receiver.on("/wecom")) == 3
    assert len(smtp_sink.messages) == 1 and desk.outbox_state(notice.message_id) == "sent"
    assert [f.kind for f in desk.findings] == ["channel_down"]


def test_all_channels_failing_keeps_trying_and_says_so(desk: Desk, receiver: RobotReceiver) -> None:
    case = desk.add_case()
    notice = make_notice(case)
    desk.notify(notice)
    options = {
        "channels": {
            "robot": {
                "type": "dingtalk",
                "webhook": receiver.url("/dingtalk"),
                "secret": DING_SECRET + "x",
            }
        },
        "recipients": {"default": {"channels": ["robot"]}},
        "retry": {"max_s": 600},
    }
    worker = desk.worker(**options)
    desk.drain(worker)
    assert desk.outbox_state(notice.message_id) == "pending"  # never dropped quietly
    assert {f.kind for f in desk.findings} == {"channel_down", "notice_undeliverable"}
    desk.drain(worker, seconds=601)
    assert len(receiver.on("/dingtalk")) == 2  # the last channel of a chain is tried anyway
    desk.drain(worker, hours=80)
    assert desk.outbox_state(notice.message_id) == "failed"
