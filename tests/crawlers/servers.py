"""Local HTTP servers of the crawler tests (real sockets, no mocks): static fixture sites, and a
server of hostile answers (broken markup, huge, binary, redirect loops, errors, slow)."""

from __future__ import annotations

import contextlib
import functools
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SITES = Path(__file__).parent / "sites"


class LocalServer:
    """A ThreadingHTTPServer on 127.0.0.1 (or `host`, `port`) in a daemon thread; `stop()`
    makes it stop answering."""

    def __init__(
        self, handler: Callable[..., BaseHTTPRequestHandler], host: str = "127.0.0.1", port: int = 0
    ):
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Quiet:
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class StaticHandler(_Quiet, SimpleHTTPRequestHandler):
    pass


def static_server(root: Path = SITES) -> LocalServer:
    return LocalServer(functools.partial(StaticHandler, directory=str(root)))


GOOD_PAGE = (
    '<html><head><meta charset="utf-8"><title>好页面</title></head><body>'
    '<h1 class="article-title">定城镇开展环境卫生整治</h1><span class="pubtime">2025-09-01 10:00</span>'
    '<div id="zoom"><p>定城镇组织干部群众开展环境卫生整治，清理垃圾二十余吨。</p></div></body></html>'
)
BROKEN_PAGE = (
    '<html><head><title>残缺页面</title><body><h1 class="article-title">龙湖镇通知<div id="zoom"><p>'
    "龙湖镇关于秋季征兵体检的通知：请应征青年按时参加体检<p>未闭合的段落<table><tr><td>表格"
)
HOSTILE_LINKS = [
    "good.html", "broken.html", "huge.html", "binary.html", "loop.html",
    "missing.html", "error.html", "slow.html",
]  # fmt: skip


class HostileHandler(_Quiet, BaseHTTPRequestHandler):
    """A gov-portal-like list whose links lead to every kind of bad answer."""

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?")[0].lstrip("/")
        if path == "list.html":
            links = "".join(f'<li><a href="{h}">{h}</a></li>' for h in HOSTILE_LINKS)
            return self.send(200, f'<ul class="news-list">{links}</ul>')
        if path == "good.html":
            return self.send(200, GOOD_PAGE)
        if path == "broken.html":
            return self.send(200, BROKEN_PAGE)
        if path == "huge.html":  # announces 50 MB, then streams until the client hangs up
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(50 * 1024 * 1024))
            self.end_headers()
            try:
                for _ in range(50 * 16):
                    self.wfile.write(b"<p>" + b"x" * 65536 + b"</p>")
            except OSError:
                pass
            return None
        if path == "binary.html":
            return self.send(200, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
                             "image/png")  # fmt: skip
        if path == "loop.html":
            self.send_response(302)
            self.send_header("Location", "/loop2.html")
            self.end_headers()
            return None
        if path == "loop2.html":
            self.send_response(302)
            self.send_header("Location", "/loop.html")
            self.end_headers()
            return None
        if path == "error.html":
            return self.send(500, "<h1>500</h1>")
        if path == "slow.html":
            time.sleep(3)
            return self.send(200, GOOD_PAGE)
        if path == "api.json":  # an API that changed its JSON: no `statuses`, renamed fields
            body = {"data": [{"mid": 1, "content": "字段改名了"}], "next_cursor": 0}
            return self.send(200, json.dumps(body, ensure_ascii=False), "application/json")
        if path == "api_v2.json":
            body = {"statuses": [{"id": 7, "msg": "text 字段没了"}, "不是对象"], "next_cursor": 0}
            return self.send(200, json.dumps(body, ensure_ascii=False), "application/json")
        return self.send(404, "<h1>404</h1>")

    def send(self, status: int, body: str | bytes, ctype: str = "text/html; charset=utf-8"):
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(data)
