"""The robot channels against a local receiver that checks payloads and signatures and
answers with each vendor's documented codes: ok, rate limited (transient), bad signature and
unknown robot (permanent)."""

from __future__ import annotations

import pytest

from alerts.channels import (
    ChannelMessage,
    Evidence,
    Line,
    PermanentChannelError,
    TransientChannelError,
    build_channel,
)
from tests.alerts.channels.receivers import DING_SECRET, FEISHU_SECRET, RobotReceiver


def message(**over) -> ChannelMessage:
    data = {
        "message_id": "ntc-robot-1",
        "kind": "escalation",
        "title": "超期升级：龙湖镇停水第3天",
        "summary": "升级: 回应已超期",
        "lines": [Line(label="属地", value="龙湖镇"), Line(label="时限", value="回应，截止 …")],
        "evidence": [Evidence(source="定安论坛", title="停水", url="http://127.0.0.1/t/1")],
        "link": "http://127.0.0.1:8600/cases/case-1",
    }
    data.update(over)
    return ChannelMessage(**data)


def test_wecom_markdown_accepted(receiver: RobotReceiver) -> None:
    channel = build_channel("w", {"type": "wecom", "webhook": receiver.url("/wecom")})
    assert channel.send(message()) == "errcode=0"
    (req,) = receiver.on("/wecom")
    body = req.json
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert "龙湖镇停水第3天" in content and "ntc-robot-1" in content
    assert "[查看案件](http://127.0.0.1:8600/cases/case-1)" in content


def test_wecom_text_with_mentions(receiver: RobotReceiver) -> None:
    raw = {
        "type": "wecom",
        "webhook": receiver.url("/wecom"),
        "msgtype": "text",
        "mentioned_mobile_list": ["13800000000"],
    }
    build_channel("w", raw).send(message())
    body = receiver.on("/wecom")[0].json
    assert body["text"]["mentioned_mobile_list"] == ["13800000000"]
    assert body["text"]["content"].startswith("【舆情通知】")


def test_wecom_rate_limit_is_transient_and_bad_key_permanent(receiver: RobotReceiver) -> None:
    channel = build_channel("w", {"type": "wecom", "webhook": receiver.url("/wecom")})
    receiver.script("/wecom", (200, {"errcode": 45009, "errmsg": "api freq out of limit"}))
    with pytest.raises(TransientChannelError) as exc:
        channel.send(message())
    assert exc.value.code == "45009"
    receiver.script("/wecom", (200, {"errcode": 93000, "errmsg": "invalid webhook url"}))
    with pytest.raises(PermanentChannelError) as exc:
        channel.send(message())
    assert exc.value.code == "93000"


def test_dingtalk_signed_request_accepted(receiver: RobotReceiver) -> None:
    raw = {"type": "dingtalk", "webhook": receiver.url("/dingtalk?access_token=t1")}
    channel = build_channel("d", {**raw, "secret": DING_SECRET})
    assert channel.send(message()) == "errcode=0"
    (req,) = receiver.on("/dingtalk")
    assert req.query["access_token"] == "t1" and req.query["sign"]
    body = req.json
    assert body["markdown"]["title"].startswith("超期升级")
    assert "\n\n" in body["markdown"]["text"]


def test_dingtalk_wrong_secret_is_permanent(receiver: RobotReceiver) -> None:
    raw = {"type": "dingtalk", "webhook": receiver.url("/dingtalk"), "secret": "SECwrong"}
    with pytest.raises(PermanentChannelError) as exc:
        build_channel("d", raw).send(message())
    assert exc.value.code == "310000"


def test_dingtalk_too_fast_is_transient(receiver: RobotReceiver) -> None:
    raw = {"type": "dingtalk", "webhook": receiver.url("/dingtalk"), "secret": DING_SECRET}
    receiver.script("/dingtalk", (200, {"errcode": 130101, "errmsg": "send too fast"}))
    with pytest.raises(TransientChannelError):
        build_channel("d", raw).send(message())


def test_feishu_signed_card_accepted(receiver: RobotReceiver, monkeypatch) -> None:
    monkeypatch.setenv("TEST_FEISHU_SECRET", FEISHU_SECRET)
    raw = {"type": "feishu", "webhook": receiver.url("/feishu"), "secret_env": "TEST_FEISHU_SECRET"}
    assert build_channel("f", raw).send(message()) == "code=0"
    body = receiver.on("/feishu")[0].json
    assert body["msg_type"] == "interactive"
    assert body["card"]["header"]["title"]["content"].startswith("超期升级")
    button = body["card"]["elements"][1]["actions"][0]
    assert button["url"] == "http://127.0.0.1:8600/cases/case-1"


@pytest.mark.parametrize("code", [9499, 11232])
def test_feishu_rate_limits_are_transient(receiver: RobotReceiver, code: int) -> None:
    raw = {"type": "feishu", "webhook": receiver.url("/feishu"), "secret": FEISHU_SECRET}
    receiver.script("/feishu", (200, {"code": code, "msg": "too many requests"}))
    with pytest.raises(TransientChannelError):
        build_channel("f", raw).send(message())


def test_feishu_bad_signature_is_permanent(receiver: RobotReceiver) -> None:
    raw = {"type": "feishu", "webhook": receiver.url("/feishu"), "secret": "wrong"}
    with pytest.raises(PermanentChannelError) as exc:
        build_channel("f", raw).send(message())
    assert exc.value.code == "19021"


def test_unknown_robot_and_server_errors(receiver: RobotReceiver) -> None:
    with pytest.raises(PermanentChannelError):
        build_channel("w", {"type": "wecom", "webhook": receiver.url("/nobody")}).send(message())
    receiver.script("/wecom", (502, {"error": "bad gateway"}))
    with pytest.raises(TransientChannelError):
        build_channel("w", {"type": "wecom", "webhook": receiver.url("/wecom")}).send(message())


def test_network_down_is_transient() -> None:
    from tests.servers import free_port

    channel = build_channel("w", {"type": "wecom", "webhook": f"http://127.0.0.1:{free_port()}/"})
    with pytest.raises(TransientChannelError) as exc:
        channel.send(message())
    assert "127.0.0.1" not in str(exc.value)  # the URL (with its key) is never in an error


def test_missing_secret_env_is_permanent_and_names_only_the_variable(monkeypatch) -> None:
    monkeypatch.delenv("NO_SUCH_WEBHOOK", raising=False)
    channel = build_channel("w", {"type": "wecom", "webhook_env": "NO_SUCH_WEBHOOK"})
    with pytest.raises(PermanentChannelError, match="NO_SUCH_WEBHOOK"):
        channel.send(message())
