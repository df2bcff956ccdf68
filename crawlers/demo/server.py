"""The bundled demo sites on one local port: /gov/ (county portal) and /forum/ (Discuz!).

A stdlib ThreadingHTTPServer in a daemon thread, so tests and `yuqing demo` crawl real
pages over real sockets without any network access.
"""

from __future__ import annotations

import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from crawlers.demo.content import CONTENT_DIR, load_forum, load_gov
from crawlers.demo.forum_pages import DiscuzForumPages
from crawlers.demo.gov_pages import GovPortalPages

SITE_TZ = ZoneInfo("Asia/Shanghai")
ROBOTS_TXT = "User-agent: *\nDisallow: /gov/search/\nDisallow: /forum/member.php\nAllow: /\n"


class _DemoHandler(BaseHTTPRequestHandler):
    server: _DemoHTTPServer
    server_version = "nginx"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        parts = urlsplit(self.path)
        path = parts.path
        body: str | None = None
        content_type = "text/html; charset=utf-8"
        if path == "/robots.txt":
            body, content_type = ROBOTS_TXT, "text/plain; charset=utf-8"
        else:
            try:
                body = self._page(path, parts.query)
            except Exception:  # a broken page must answer 500, not drop the connection
                self._send(500, "<html><body><h1>500</h1></body></html>", content_type)
                raise
        if body is None:
            self._send(404, "<html><body><h1>404 Not Found</h1></body></html>", content_type)
        else:
            self._send(200, body, content_type)

    def _page(self, path: str, query: str) -> str | None:
        if path.startswith("/gov"):
            return self.server.gov.render(path)
        if path in ("/forum", "/forum/", "/forum/forum.php"):
            return self.server.forum.render(dict(parse_qsl(query)))
        return None

    def _send(self, status: int, body: str, content_type: str) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # quiet: tests and the demo print their own summaries


class _DemoHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], gov: GovPortalPages, forum: DiscuzForumPages):
        super().__init__(address, _DemoHandler)
        self.gov = gov
        self.forum = forum


class DemoSites:
    """A running demo server; `base_url` has no trailing slash."""

    def __init__(self, server: _DemoHTTPServer, now: datetime):
        self._server = server
        self.now = now
        host, port = server.server_address[:2]
        self.host, self.port = str(host), int(port)
        self.base_url = f"http://{self.host}:{self.port}"
        self.gov = server.gov
        self.forum = server.forum
        self._thread = threading.Thread(
            target=server.serve_forever, name="yuqing-demo-sites", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> DemoSites:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve_demo_sites(
    host: str = "127.0.0.1",
    port: int = 0,
    now: datetime | None = None,
    content_dir: Path = CONTENT_DIR,
) -> DemoSites:
    """Start both demo sites; `port=0` picks a free port. Times in the content are relative
    to `now` (default: the current minute, Asia/Shanghai)."""
    now = (now or datetime.now(SITE_TZ)).astimezone(SITE_TZ).replace(second=0, microsecond=0)
    gov = GovPortalPages(load_gov(now, content_dir), now)
    forum = DiscuzForumPages(load_forum(now, content_dir), now)
    return DemoSites(_DemoHTTPServer((host, port), gov, forum), now)
