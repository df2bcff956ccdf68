"""One HTTP request for the HTTP channels (robots, webhook, SMS gateway), with the standard
library only, and the transport-level verdict: network errors, 429 and 5xx are transient,
other 4xx permanent. Vendor answers inside a 200 are judged by each channel.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from alerts.channels.base import PermanentChannelError, TransientChannelError

USER_AGENT = "yuqing-notify/1"


@dataclass
class HttpAnswer:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        """The JSON body, or None when it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None


def _retry_after(headers: dict[str, str]) -> float | None:
    value = headers.get("retry-after", "")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def request(
    url: str,
    body: bytes | None,
    headers: dict[str, str] | None = None,
    timeout_s: float = 10.0,
    method: str = "POST",
) -> HttpAnswer:
    """Send one request; returns a 2xx answer, raises a ChannelError otherwise.

    Error texts never contain the URL: robot URLs carry their secret key."""
    all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    req = urllib.request.Request(url, data=body, headers=all_headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:
            return HttpAnswer(
                resp.status, resp.read(), {k.lower(): v for k, v in resp.headers.items()}
            )
    except urllib.error.HTTPError as exc:
        answer_headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
        detail = exc.read()[:200].decode("utf-8", errors="replace") if exc.fp else ""
        reason = f"HTTP {exc.code} {detail}".strip()
        if exc.code == 429 or exc.code >= 500 or exc.code == 408:
            raise TransientChannelError(
                reason, f"http-{exc.code}", _retry_after(answer_headers)
            ) from None
        raise PermanentChannelError(reason, f"http-{exc.code}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TransientChannelError(f"网络错误: {reason}", "network") from None
    except ValueError as exc:  # a malformed URL in the config
        raise PermanentChannelError(f"地址无效: {type(exc).__name__}", "config") from None


def post_json(
    url: str, payload: Any, headers: dict[str, str] | None = None, timeout_s: float = 10.0
) -> HttpAnswer:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return request(
        url, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}, timeout_s
    )


def vendor_verdict(
    answer: HttpAnswer,
    field: str,
    transient: frozenset[int],
    message_field: str,
) -> str:
    """Judge a robot's JSON answer: `field` 0 = accepted (returns a receipt); a code in
    `transient` = try later; any other code = permanent (bad signature, unknown robot, …)."""
    data = answer.json()
    if not isinstance(data, dict) or field not in data:
        raise TransientChannelError("应答不是预期的 JSON", "bad-answer")
    try:
        code = int(data[field])
    except (TypeError, ValueError):
        raise TransientChannelError(f"应答 {field} 无效", "bad-answer") from None
    message = str(data.get(message_field, ""))[:200]
    if code == 0:
        return f"{field}=0"
    if code in transient:
        raise TransientChannelError(message or "rate limited", str(code))
    raise PermanentChannelError(message or "rejected", str(code))
