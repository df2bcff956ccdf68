"""SMS through an HTTP gateway (the operator's or the government SMS platform's).

The request is described by templates: `url` and `body` may use $phone, $text, $message_id
and $token (the secret from `token_env`); values are URL-encoded in the URL and JSON-escaped
in a JSON body. Success is a 2xx answer and, when `ok_field` is set, that JSON field equal to
`ok_value`; codes listed in `transient_values` are retried, any other value is permanent.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Sequence
from string import Template
from typing import ClassVar, Literal

from pydantic import Field, SecretStr

from alerts.channels.base import (
    Channel,
    ChannelOptions,
    PermanentChannelError,
    TransientChannelError,
    secret,
)
from alerts.channels.http import request
from alerts.channels.message import ChannelMessage, one_line, safe_url


class SmsGatewayOptions(ChannelOptions):
    url: str  # e.g. https://sms.example/api/send?to=$phone
    method: Literal["POST", "GET"] = "POST"
    content_type: str = "application/json; charset=utf-8"
    body: str = '{"to": "$phone", "text": "$text", "id": "$message_id"}'
    headers: dict[str, str] = Field(default_factory=dict)  # values may use $token
    token: SecretStr | None = None
    token_env: str = ""
    ok_field: str = ""  # e.g. "code"
    ok_value: str = "0"
    transient_values: list[str] = Field(default_factory=list)
    max_chars: int = Field(default=300, ge=20, le=1000)
    signature: str = "【定安舆情】"  # the registered SMS signature


class SmsGatewayChannel(Channel):
    type_name: ClassVar[str] = "sms"
    Options = SmsGatewayOptions
    address_kind = "phone"
    options: SmsGatewayOptions

    def text(self, message: ChannelMessage) -> str:
        """Short text: title, the first lines, the link; never the evidence text."""
        parts = [one_line(message.title, 80)]
        parts += [f"{line.label}{one_line(line.value, 40)}" for line in message.lines[:3]]
        if safe_url(message.link):
            parts.append(safe_url(message.link))
        text = self.options.signature + "；".join(parts)
        return text[: self.options.max_chars]

    def render(self, message: ChannelMessage, phone: str) -> tuple[str, bytes | None, dict]:
        token = (
            secret(self.options, "token") if (self.options.token or self.options.token_env) else ""
        )
        values = {"phone": phone, "text": self.text(message), "message_id": message.message_id}
        url_values = {k: urllib.parse.quote(v, safe="") for k, v in values.items()}
        url = Template(self.options.url).safe_substitute(url_values, token=token)
        headers = {
            k: Template(v).safe_substitute(token=token) for k, v in self.options.headers.items()
        }
        if self.options.method == "GET":
            return url, None, headers
        if "json" in self.options.content_type:
            body_values = {k: json.dumps(v, ensure_ascii=False)[1:-1] for k, v in values.items()}
        else:
            body_values = url_values
        body = Template(self.options.body).safe_substitute(body_values, token=token)
        headers["Content-Type"] = self.options.content_type
        return url, body.encode("utf-8"), headers

    def send(self, message: ChannelMessage, to: Sequence[str] = ()) -> str:
        if not to:
            raise PermanentChannelError("没有手机号", "no-address")
        for phone in to:
            url, body, headers = self.render(message, phone)
            answer = request(url, body, headers, self.options.timeout_s, self.options.method)
            if not self.options.ok_field:
                continue
            data = answer.json()
            value = str(data.get(self.options.ok_field)) if isinstance(data, dict) else None
            if value == self.options.ok_value:
                continue
            if value is None or value in self.options.transient_values:
                raise TransientChannelError("短信网关暂不可用", f"sms-{value}")
            raise PermanentChannelError("短信网关拒绝", f"sms-{value}")
        return f"sms sent to {len(to)}"
