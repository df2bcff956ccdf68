"""The bundled demo sites on one local port: /gov/ (county portal), /forum/ (Discuz!),
/news/ (RSS, articles, comment JSON), /hotline/ (12345 message board), /weibo/ (a Weibo-like
JSON API) and /blog/.

A stdlib ThreadingHTTPServer in a daemon thread, so tests and `yuqing demo` crawl real pages
over real sockets without any network access. `publish_updates()` moves the counters on, so a
second crawl sees an update of an item it already has.
"""

from __future__ import annotations

import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from crawlers.demo.blog_pages import BlogPages
from crawlers.demo.content import CONTENT_DIR, load_forum, load_gov, load_site
from crawlers.demo.forum_pages import DiscuzForumPages
from crawlers.demo.gov_pages import GovPortalPages
from crawlers.demo.hotline_pages import HotlinePages
from crawlers.demo.news_pages import NewsSitePages
from crawlers.demo.weibo_api import WeiboApi

SITE_TZ = ZoneInfo("Asia/Shanghai")
ROBOTS_TXT = "User-agent: *\nDisallow: /gov/search/\nDisallow: /forum/member.php\nAllow: /\n"
HTML = "text/html; charset=utf-8"
Page = tuple[int, str, str]  # status, body, content type


class _DemoHandler(BaseHTTPRequestHandler):
    server: _DemoHTTPServer
    server_version = "nginx"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        parts = urlsplit(self.path)
        try:
            page = self._page(parts.path, dict(parse_qsl(parts.query)))
        except Exception:  # a broken page must answer 500, not drop the connection
            self._send(500, "<html><body><h1>500</h1></body></html>", HTML)
            raise
        if page is None:
            self._send(404, "<html><body><h1>404 Not Found</h1></body></html>", HTML)
        else:
            self._send(*page)

    def _page(self, path: str, query: dict[str, str]) -> Page | None:
        s = self.server
        if path == "/robots.txt":
            return 200, ROBOTS_TXT, "text/plain; charset=utf-8"
        if path.startswith("/gov"):
            body = s.gov.render(path)
        elif path in ("/forum", "/forum/", "/forum/forum.php"):
            body = s.forum.render(query)
        elif path.startswith("/news"):
            found = s.news.render(path, query)
            return (200, *found) if found else None
        elif path.startswith("/hotline"):
            body = s.hotline.render(path, query)
        elif path.startswith("/weibo"):
            answer = s.weibo.render(path, query)
            return (*answer, "application/json; charset=utf-8") if answer else None
        elif path.startswith("/blog"):
            body = s.blog.render(path)
        else:
            body = None
        return (200, body, HTML) if body is not None else None

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

    def __init__(self, address: tuple[str, int], now: datetime, content_dir: Path):
        super().__init__(address, _DemoHandler)
        self.gov = GovPortalPages(load_gov(now, content_dir), now)
        self.forum = DiscuzForumPages(load_forum(now, content_dir), now)
        self.news = NewsSitePages(load_site("news", content_dir), now)
        self.hotline = HotlinePages(load_site("hotline", content_dir), now)
        self.weibo = WeiboApi(load_site("weibo", content_dir), now)
        self.blog = BlogPages(load_site("blog", content_dir), now)


class DemoSites:
    """A running demo server; `base_url` has no trailing slash."""

    def __init__(self, server: _DemoHTTPServer, now: datetime):
        self._server = server
        self.now = now
        host, port = server.server_address[:2]
        self.host, self.port = str(host), int(port)
        self.base_url = f"http://{self.host}:{self.port}"
        self.gov, self.forum, self.news = server.gov, server.forum, server.news
        self.hotline, self.weibo, self.blog = server.hotline, server.weibo, server.blog
        self._thread = threading.Thread(
            target=server.serve_forever, name="yuqing-demo-sites", daemon=True
        )
        self._thread.start()

    def publish_updates(self) -> None:
        """What changes between two crawls: a Weibo post's comment count grows."""
        self.weibo.updated = True

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
    """Start the demo sites; `port=0` picks a free port. Times in the content are relative
    to `now` (default: the current minute, Asia/Shanghai)."""
    now = (now or datetime.now(SITE_TZ)).astimezone(SITE_TZ).replace(second=0, microsecond=0)
    return DemoSites(_DemoHTTPServer((host, port), now, content_dir), now)
