"""Rendering and escaping (crawled text can carry Markdown, robot tags, @mentions, bad links),
and finding channels by name from config."""

from __future__ import annotations

import pytest

from alerts.channels import ChannelMessage, Evidence, Line, build_channel, channel_types
from alerts.channels.message import escape_markdown, safe_url
from pipeline.config import ConfigError


def hostile() -> ChannelMessage:
    return ChannelMessage(
        message_id="ntc-x",
        kind="reminder",
        title='[点我](javascript:alert(1)) <font color="warning">假</font> @所有人',
        lines=[Line(label="属地", value="**龙湖镇**\n# 标题")],
        evidence=[Evidence(source="论坛", title="`code`", url="javascript:alert(1)")],
        link="http://127.0.0.1:8600/cases/c(1)",
    )


def test_markdown_escapes_crawled_text() -> None:
    text = hostile().as_markdown("wecom")
    assert "](javascript" not in text and "javascript:alert" not in text.split("](")[-1]
    assert "<font" not in text and "&lt;font" in text
    assert "@\u200b所有人" in text
    assert "\\*\\*龙湖镇\\*\\* \\# 标题" in text  # no bold, no header, one line
    assert "[查看案件](http://127.0.0.1:8600/cases/c%281%29)" in text


def test_text_and_html() -> None:
    msg = hostile()
    text = msg.as_text()
    assert "javascript" not in text.split("证据")[1]  # the unsafe evidence URL is dropped
    html = msg.as_html()
    assert "<font" not in html and "&lt;font" in html
    assert "href='javascript" not in html


def test_limits_cut_on_characters() -> None:
    msg = ChannelMessage(message_id="m", kind="digest", title="汇总", summary="长" * 5000)
    cut = msg.as_markdown("wecom", limit=4096)
    assert len(cut.encode("utf-8")) <= 4096 and cut.endswith("（略）")


def test_helpers() -> None:
    assert escape_markdown("a_b") == "a\\_b"
    assert safe_url("https://a.cn/x y") == ""
    assert safe_url("ftp://a.cn") == ""


def test_channels_found_by_type() -> None:
    assert {"email", "wecom", "dingtalk", "feishu", "webhook", "sms"} <= set(channel_types())
    custom = build_channel(
        "x", {"type": "alerts.channels.wecom:WeComChannel", "webhook": "http://a"}
    )
    assert type(custom).__name__ == "WeComChannel"


def test_config_errors_name_the_key_not_the_secret() -> None:
    with pytest.raises(ConfigError, match="unknown channel type 'pager'.*known: dingtalk"):
        build_channel("p", {"type": "pager"})
    with pytest.raises(ConfigError, match=r"channels\.m: sender: required key is missing"):
        build_channel("m", {"type": "email"})
    with pytest.raises(ConfigError) as exc:
        build_channel("w", {"type": "wecom", "webhook": "http://k", "secrett": "TOPSECRET"})
    assert "secrett: unknown key" in str(exc.value) and "TOPSECRET" not in str(exc.value)
    channel = build_channel("d", {"type": "dingtalk", "webhook": "http://a", "secret": "SECxyz"})
    assert "SECxyz" not in repr(channel) and "SECxyz" not in repr(channel.options)
