"""钉钉自定义机器人 (DingTalk custom robot) with the 加签 (signed) security setting.

The signature: HMAC-SHA256 with the secret as key over "timestamp\\nsecret" (timestamp in
milliseconds), base64, then URL-encoded into the `timestamp` and `sign` query parameters.
Answers `{"errcode": 0, "errmsg": "ok"}`; 130101 (send too fast) and -1 (busy) are retried;
310000 (sign not match / keywords / IP), 300001 (token is not exist), … are permanent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from collections.abc import Sequence
from typing import ClassVar, Literal

from pydantic import Field, SecretStr

from alerts.channels.base import Channel, ChannelOptions, secret
from alerts.channels.http import post_json, vendor_verdict
from alerts.channels.message import ChannelMessage, one_line

RATE_LIMITED = frozenset({130101, -1})
TEXT_LIMIT = 18_000  # bytes; DingTalk accepts 20,000


def dingtalk_sign(timestamp_ms: int, key: str) -> str:
    """The `sign` query value (already URL-encoded)."""
    to_sign = f"{timestamp_ms}\n{key}".encode()
    digest = hmac.new(key.encode("utf-8"), to_sign, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


class DingTalkOptions(ChannelOptions):
    webhook: SecretStr | None = None  # https://oapi.dingtalk.com/robot/send?access_token=…
    webhook_env: str = ""
    secret: SecretStr | None = None  # 加签 secret (SEC…); empty: unsigned robot
    secret_env: str = ""
    msgtype: Literal["markdown", "text"] = "markdown"
    at_mobiles: list[str] = Field(default_factory=list)


class DingTalkChannel(Channel):
    type_name: ClassVar[str] = "dingtalk"
    Options = DingTalkOptions
    options: DingTalkOptions

    def payload(self, message: ChannelMessage) -> dict:
        at = {"atMobiles": list(self.options.at_mobiles), "isAtAll": False}
        if self.options.msgtype == "text":
            return {"msgtype": "text", "text": {"content": message.as_text(TEXT_LIMIT)}, "at": at}
        return {
            "msgtype": "markdown",
            "markdown": {
                "title": one_line(message.title, 60),
                "text": message.as_markdown("dingtalk", limit=TEXT_LIMIT),
            },
            "at": at,
        }

    def signed_url(self, now_ms: int | None = None) -> str:
        url = secret(self.options, "webhook")
        key = secret(self.options, "secret")
        if not key:
            return url
        ts = now_ms if now_ms is not None else int(time.time() * 1000)
        sep = "&" if "?" in url else "?"
        return f"{url}{sep}timestamp={ts}&sign={dingtalk_sign(ts, key)}"

    def send(self, message: ChannelMessage, to: Sequence[str] = ()) -> str:
        answer = post_json(
            self.signed_url(), self.payload(message), timeout_s=self.options.timeout_s
        )
        return vendor_verdict(answer, "errcode", RATE_LIMITED, "errmsg")
