"""Generic webhook: the message as JSON, signed, for the office's own systems (OA, 12345).

Headers: `Idempotency-Key` (the stable message id: a receiver drops a resend it has seen),
`X-Yuqing-Timestamp` (epoch seconds), `X-Yuqing-Signature: sha256=HEX` (HMAC-SHA256 with the
shared secret over "TIMESTAMP.BODY", Stripe-style, so a replayed old body is detectable) and
`X-Yuqing-Attempt` (1 for the first try). Any 2xx accepts; 429/5xx retry; other 4xx permanent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from typing import ClassVar

from pydantic import Field, SecretStr

from alerts.channels.base import Channel, ChannelOptions, secret
from alerts.channels.http import request
from alerts.channels.message import ChannelMessage

HEADER_SIGNATURE = "X-Yuqing-Signature"
HEADER_TIMESTAMP = "X-Yuqing-Timestamp"
HEADER_ATTEMPT = "X-Yuqing-Attempt"
HEADER_IDEMPOTENCY = "Idempotency-Key"


def webhook_signature(key: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(key.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class WebhookOptions(ChannelOptions):
    url: SecretStr | None = None
    url_env: str = ""
    secret: SecretStr | None = None
    secret_env: str = ""
    headers: dict[str, str] = Field(default_factory=dict)  # extra static headers


class WebhookChannel(Channel):
    type_name: ClassVar[str] = "webhook"
    Options = WebhookOptions
    options: WebhookOptions

    def body(self, message: ChannelMessage) -> bytes:
        payload = {
            "message_id": message.message_id,
            "kind": message.kind,
            "title": message.title,
            "summary": message.summary,
            "lines": [line.model_dump() for line in message.lines],
            "evidence": [ev.model_dump() for ev in message.evidence],
            "link": message.link,
            "created_at": message.created_at,
            "text": message.as_text(),
        }
        return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")

    def headers(self, message: ChannelMessage, body: bytes, now_s: int | None = None) -> dict:
        ts = str(now_s if now_s is not None else int(time.time()))
        headers = {
            **self.options.headers,
            "Content-Type": "application/json; charset=utf-8",
            HEADER_IDEMPOTENCY: message.message_id,
            HEADER_TIMESTAMP: ts,
            HEADER_ATTEMPT: str(message.attempt),
        }
        key = secret(self.options, "secret")
        if key:
            headers[HEADER_SIGNATURE] = webhook_signature(key, ts, body)
        return headers

    def send(self, message: ChannelMessage, to: Sequence[str] = ()) -> str:
        body = self.body(message)
        answer = request(
            secret(self.options, "url"),
            body,
            self.headers(message, body),
            timeout_s=self.options.timeout_s,
        )
        return f"HTTP {answer.status}"
