"""飞书自定义机器人 (Feishu / Lark custom bot) with 签名校验 (signature verification).

The signature: HMAC-SHA256 with "timestamp\\nsecret" as the KEY over an empty message
(timestamp in seconds), base64, sent in the JSON body as `timestamp` and `sign`. Answers
`{"code": 0, "msg": "success"}`; 9499 (too many requests) and 11232 (frequency limited) are
retried; 19021 (sign match fail), 19001 (invalid webhook token), … are permanent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Sequence
from typing import ClassVar, Literal

from pydantic import SecretStr

from alerts.channels.base import Channel, ChannelOptions, secret
from alerts.channels.http import post_json, vendor_verdict
from alerts.channels.message import ChannelMessage, escape_markdown, one_line, safe_url

RATE_LIMITED = frozenset({9499, 11232})
TEXT_LIMIT = 18_000


def feishu_sign(timestamp_s: int, key: str) -> str:
    string_to_sign = f"{timestamp_s}\n{key}".encode()
    digest = hmac.new(string_to_sign, b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class FeishuOptions(ChannelOptions):
    webhook: SecretStr | None = None  # https://open.feishu.cn/open-apis/bot/v2/hook/…
    webhook_env: str = ""
    secret: SecretStr | None = None
    secret_env: str = ""
    msg_type: Literal["interactive", "text"] = "interactive"


class FeishuChannel(Channel):
    type_name: ClassVar[str] = "feishu"
    Options = FeishuOptions
    options: FeishuOptions

    def content(self, message: ChannelMessage) -> dict:
        if self.options.msg_type == "text":
            return {"msg_type": "text", "content": {"text": message.as_text(TEXT_LIMIT)}}
        elements: list[dict] = [
            {"tag": "markdown", "content": message.as_markdown("feishu", limit=TEXT_LIMIT)}
        ]
        if safe_url(message.link):
            elements.append(
                {
                    "tag": "action",
                    "actions": [
                        {
                            "tag": "button",
                            "text": {"tag": "plain_text", "content": "查看案件"},
                            "url": safe_url(message.link),
                            "type": "primary",
                        }
                    ],
                }
            )
        title = escape_markdown(one_line(message.title, 60))
        return {
            "msg_type": "interactive",
            "card": {
                "header": {"title": {"tag": "plain_text", "content": title}},
                "elements": elements,
            },
        }

    def payload(self, message: ChannelMessage, now_s: int | None = None) -> dict:
        body = self.content(message)
        key = secret(self.options, "secret")
        if key:
            ts = now_s if now_s is not None else int(time.time())
            body = {"timestamp": str(ts), "sign": feishu_sign(ts, key), **body}
        return body

    def send(self, message: ChannelMessage, to: Sequence[str] = ()) -> str:
        url = secret(self.options, "webhook")
        answer = post_json(url, self.payload(message), timeout_s=self.options.timeout_s)
        return vendor_verdict(answer, "code", RATE_LIMITED, "msg")
