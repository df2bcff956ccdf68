"""The generic webhook (signature, idempotency and attempt headers) and the SMS gateway
(templates, JSON escaping, the gateway's own success field)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from alerts.channels import (
    ChannelMessage,
    PermanentChannelError,
    TransientChannelError,
    build_channel,
)
from tests.alerts.channels.receivers import HOOK_SECRET, RobotReceiver


def message(attempt: int = 1) -> ChannelMessage:
    return ChannelMessage(
        message_id="ntc-hook-1",
        kind="reminder",
        title='时限提醒：他说"水库要决堤"',
        link="http://127.0.0.1:8600/cases/case-9",
        attempt=attempt,
    )


def hook(receiver: RobotReceiver, **over):
    return build_channel(
        "h", {"type": "webhook", "url": receiver.url("/hook"), "secret": HOOK_SECRET, **over}
    )


def test_webhook_headers_and_signature(receiver: RobotReceiver) -> None:
    assert hook(receiver).send(message(attempt=3)) == "HTTP 200"
    (req,) = receiver.on("/hook")
    assert req.headers["idempotency-key"] == "ntc-hook-1"
    assert req.headers["x-yuqing-attempt"] == "3"
    ts = req.headers["x-yuqing-timestamp"]
    mac = hmac.new(HOOK_SECRET.encode(), ts.encode() + b"." + req.body, hashlib.sha256)
    assert req.headers["x-yuqing-signature"] == "sha256=" + mac.hexdigest()
    body = req.json
    assert body["message_id"] == "ntc-hook-1" and body["title"].endswith('"水库要决堤"')
    assert body["link"] == "http://127.0.0.1:8600/cases/case-9"


def test_webhook_wrong_secret_is_permanent(receiver: RobotReceiver) -> None:
    with pytest.raises(PermanentChannelError) as exc:
        hook(receiver, secret="nope").send(message())
    assert exc.value.code == "http-401"


def test_webhook_429_and_5xx_are_transient(receiver: RobotReceiver) -> None:
    receiver.script("/hook", (429, {"error": "slow down"}), (503, {"error": "busy"}))
    with pytest.raises(TransientChannelError) as exc:
        hook(receiver).send(message())
    assert exc.value.retry_after_s == 0
    with pytest.raises(TransientChannelError):
        hook(receiver).send(message())
    hook(receiver).send(message())
    assert len(receiver.on("/hook")) == 3


def sms(receiver: RobotReceiver, **over):
    raw = {
        "type": "sms",
        "url": receiver.url("/sms/send") + "?to=$phone&token=$token",
        "token": "tkn",
        "headers": {"Authorization": "Bearer $token"},
        "ok_field": "code",
        "ok_value": "0",
        "transient_values": ["busy"],
        **over,
    }
    return build_channel("s", raw)


def test_sms_gateway_templates(receiver: RobotReceiver) -> None:
    assert sms(receiver).send(message(), ["13800000001", "13800000002"]) == "sms sent to 2"
    first, second = receiver.on("/sms/send")
    assert first.query == {"to": "13800000001", "token": "tkn"}
    assert second.query["to"] == "13800000002"
    assert first.headers["authorization"] == "Bearer tkn"
    body = first.json  # the quote in the title is JSON-escaped, the body stays valid JSON
    assert body["id"] == "ntc-hook-1"
    assert body["text"].startswith("【定安舆情】时限提醒")
    assert "http://127.0.0.1:8600/cases/case-9" in body["text"]


def test_sms_gateway_answers(receiver: RobotReceiver) -> None:
    receiver.script("/sms/send", (200, {"code": "busy"}))
    with pytest.raises(TransientChannelError):
        sms(receiver).send(message(), ["13800000001"])
    receiver.script("/sms/send", (200, {"code": "invalid_number"}))
    with pytest.raises(PermanentChannelError):
        sms(receiver).send(message(), ["13800000001"])
    with pytest.raises(PermanentChannelError):
        sms(receiver).send(message(), [])
