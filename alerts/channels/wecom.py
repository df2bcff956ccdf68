"""企业微信群机器人 (WeCom group robot): POST JSON to its webhook URL (which holds the key).

Answers `{"errcode": 0, "errmsg": "ok"}` when accepted. 45009 (接口调用超过限额: the robot's
20-messages-a-minute limit) is retried later; everything else — 93000 (invalid webhook url:
the robot was removed), 40008 (invalid message type), … — is permanent for this message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Literal

from pydantic import Field, SecretStr

from alerts.channels.base import Channel, ChannelOptions, secret
from alerts.channels.http import post_json, vendor_verdict
from alerts.channels.message import ChannelMessage

RATE_LIMITED = frozenset({45009, -1})  # -1: 系统繁忙 (system busy)
MARKDOWN_LIMIT = 4096  # bytes of markdown.content
TEXT_LIMIT = 2048  # bytes of text.content


class WeComOptions(ChannelOptions):
    webhook: SecretStr | None = None  # https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…
    webhook_env: str = ""
    msgtype: Literal["markdown", "text"] = "markdown"
    mentioned_mobile_list: list[str] = Field(default_factory=list)  # text only: @ these phones


class WeComChannel(Channel):
    type_name: ClassVar[str] = "wecom"
    Options = WeComOptions
    options: WeComOptions

    def payload(self, message: ChannelMessage) -> dict:
        if self.options.msgtype == "text":
            text: dict = {"content": message.as_text(limit=TEXT_LIMIT)}
            if self.options.mentioned_mobile_list:
                text["mentioned_mobile_list"] = list(self.options.mentioned_mobile_list)
            return {"msgtype": "text", "text": text}
        content = message.as_markdown("wecom", limit=MARKDOWN_LIMIT)
        return {"msgtype": "markdown", "markdown": {"content": content}}

    def send(self, message: ChannelMessage, to: Sequence[str] = ()) -> str:
        url = secret(self.options, "webhook")
        answer = post_json(url, self.payload(message), timeout_s=self.options.timeout_s)
        return vendor_verdict(answer, "errcode", RATE_LIMITED, "errmsg")
