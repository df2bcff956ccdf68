"""Real receivers on 127.0.0.1 for the channel and delivery tests.

`RobotReceiver` is a small threaded http.server that plays WeCom, DingTalk, Feishu, a generic
webhook and an SMS gateway: it checks each vendor's payload shape and signature, answers with
the vendor's documented codes (scripted per path to exercise retries and fallbacks), records
every request, and can block a request until the test releases it (to kill a sender mid-send).
`SmtpSink` is an aiosmtpd server that keeps every message it accepts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.servers import free_port

DING_SECRET = "SECtest-ding-secret"
FEISHU_SECRET = "feishu-test-secret"
HOOK_SECRET = "hook-test-secret"
OK = {"/wecom": (200, {"errcode": 0, "errmsg": "ok"}), "/feishu": (200, {"code": 0, "msg": "ok"})}


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class RobotReceiver:
    port: int = 0
    requests: list[Received] = field(default_factory=list)
    scripts: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    block: dict[str, threading.Event] = field(default_factory=dict)  # path → release event
    arrived: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, path: str, *answers: tuple[int, Any]) -> None:
        """Answer the next requests on `path` with these (status, json) before the default."""
        self.scripts.setdefault(path, []).extend(answers)

    def on(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    # -- vendor checks: the answer a real service would give ------------------------------
    def verdict(self, req: Received) -> tuple[int, Any]:
        data = req.json if req.body else None
        if req.path == "/wecom":
            ok = data and data.get("msgtype") in ("markdown", "text") and data[data["msgtype"]]
            return (200, {"errcode": 0, "errmsg": "ok"}) if ok else (200, {"errcode": 40008})
        if req.path == "/dingtalk":
            ts, sign = req.query.get("timestamp", ""), req.query.get("sign", "")
            mac = hmac.new(DING_SECRET.encode(), f"{ts}\n{DING_SECRET}".encode(), hashlib.sha256)
            if not ts or sign != base64.b64encode(mac.digest()).decode():
                return 200, {"errcode": 310000, "errmsg": "sign not match"}
            if data.get("msgtype") != "markdown" or not data["markdown"].get("text"):
                return 200, {"errcode": 40035, "errmsg": "缺少参数 json"}
            return 200, {"errcode": 0, "errmsg": "ok"}
        if req.path == "/feishu":
            key = f"{data.get('timestamp', '')}\n{FEISHU_SECRET}".encode()
            expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            if data.get("sign") != expected:
                return 200, {"code": 19021, "msg": "sign match fail"}
            if data.get("msg_type") not in ("interactive", "text"):
                return 200, {"code": 19002, "msg": "params error"}
            return 200, {"code": 0, "msg": "success"}
        if req.path == "/hook":
            ts = req.headers.get("x-yuqing-timestamp", "")
            mac = hmac.new(HOOK_SECRET.encode(), ts.encode() + b"." + req.body, hashlib.sha256)
            if req.headers.get("x-yuqing-signature") != "sha256=" + mac.hexdigest():
                return 401, {"error": "bad signature"}
            if not req.headers.get("idempotency-key"):
                return 400, {"error": "no idempotency key"}
            return 200, {"ok": True}
        if req.path.startswith("/sms"):
            return 200, {"code": "0"}
        return 404, {"error": "unknown robot"}

    def handle(self, req: Received) -> tuple[int, Any]:
        self.requests.append(req)
        self.arrived.set()
        release = self.block.get(req.path)
        if release is not None and len(self.on(req.path)) == 1:
            release.wait(60)
        queued = self.scripts.get(req.path)
        if queued:
            return queued.pop(0)
        return self.verdict(req)


def _handler(receiver: RobotReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self._serve()

        def do_GET(self) -> None:
            self._serve()

        def _serve(self) -> None:
            split = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            req = Received(
                path=split.path,
                query=dict(urllib.parse.parse_qsl(split.query)),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            status, answer = receiver.handle(req)
            payload = json.dumps(answer, ensure_ascii=False).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the sender is gone (killed mid-request)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[RobotReceiver]:
    robot = RobotReceiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(robot))
    server.daemon_threads = True
    robot.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield robot
    finally:
        for event in robot.block.values():
            event.set()
        server.shutdown()
        server.server_close()


class SmtpSink:
    """aiosmtpd handler keeping every accepted message."""

    def __init__(self) -> None:
        self.envelopes: list[tuple[str, list[str], bytes]] = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        content = envelope.original_content or envelope.content
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), content))
        return "250 OK"

    @property
    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(raw, policy=policy.default) for _, _, raw in self.envelopes]


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
