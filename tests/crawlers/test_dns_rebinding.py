"""DNS rebinding and redirects against the SSRF guard, for real: a DNS server on 127.0.0.1 that
answers a name differently on each question, the crawl pointed at it (`dns_servers`), and HTTP
servers on 127.0.0.1 and 127.0.0.2 that log every request they get. The address a connection
goes to must be the address the guard checked; a redirect is checked like any request."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawlers.health import HealthBook
from crawlers.sources import load_sources
from pipeline.config import load_settings
from pipeline.storage.sqlite import open_sqlite_stores
from tests.crawlers.conftest import crawl, write_config
from tests.crawlers.dns_server import RebindingDnsServer
from tests.crawlers.servers import GOOD_PAGE, LocalServer

PUBLIC = "192.0.0.9"  # a global address (PCP anycast) that nothing here answers on


class RecordingHandler(BaseHTTPRequestHandler):
    """A portal: a list of two notices, the notices, and redirects to the inside server."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        port = self.server.server_address[1]
        self.server.hits.append((self.headers.get("Host", ""), self.path))  # type: ignore[attr-defined]
        if self.path == "/list.html":
            links = '<li><a href="/a.html">甲</a></li><li><a href="/b.html">乙</a></li>'
            return self.send(200, f'<ul class="news-list">{links}</ul>')
        if self.path == "/files.html":
            return self.send(200, '<ul class="news-list"><li><a href="file:///etc/hostname">x</a>')
        if self.path in ("/a.html", "/b.html", "/secret.html"):
            return self.send(200, GOOD_PAGE)
        redirects = {"/redirect-ip": f"http://127.0.0.2:{port}/secret.html",
                     "/redirect-name": f"http://inside.test:{port}/secret.html"}  # fmt: skip
        if self.path in redirects:
            self.send_response(302)
            self.send_header("Location", redirects[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return self.send(404, "<h1>404</h1>")

    def send(self, status: int, body: str) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def serve(host: str, port: int = 0) -> LocalServer:
    server = LocalServer(RecordingHandler, host, port)
    server.httpd.hits = []  # type: ignore[attr-defined]
    return server


@pytest.fixture(scope="module")
def rebinding_crawl(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One crawl pass over every case; what each server and the DNS server saw, and health."""
    tmp_path: Path = tmp_path_factory.mktemp("rebinding")
    outside = serve("127.0.0.1")
    inside = serve("127.0.0.2", outside.port)  # the same port: only the address differs
    p = outside.port
    answers = {
        "rebind.test": ["127.0.0.1", "127.0.0.2"],  # allowed first, then the inside server
        "evil.test": [PUBLIC, "127.0.0.1"],  # public first, then loopback
        "private-first.test": ["127.0.0.1", PUBLIC],
        "inside.test": ["127.0.0.2"],
        "intranet.test": ["127.0.0.1"],
    }
    base = {"spider": "gov_site", "source_type": "gov_site", "retries": 0, "timeout_s": 2,
            "download_delay_s": 0, "obey_robots": False}  # fmt: skip
    only_loopback = {"allow_private": ["127.0.0.1/32"]}
    cases = {
        "pinned": (f"http://rebind.test:{p}/list.html", only_loopback),
        "rebind_public": (f"http://evil.test:{p}/list.html", {}),
        "private_first": (f"http://private-first.test:{p}/list.html", {}),
        "redirect_ip": (f"http://127.0.0.1:{p}/redirect-ip", only_loopback),
        "redirect_name": (f"http://127.0.0.1:{p}/redirect-name", only_loopback),
        "file_link": (f"http://127.0.0.1:{p}/files.html", {"allow_private": True}),
        "allowed_name": (f"http://intranet.test:{p}/list.html", {"allow_private": True}),
    }
    sources = [{**base, "name": name, "start_urls": [url], **extra}
               for name, (url, extra) in cases.items()]  # fmt: skip
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    settings = load_settings(write_config(tmp_path), env={})
    try:
        with RebindingDnsServer(answers) as dns:
            report = crawl(settings, load_sources(path), dns_servers=[dns.address])
            asked = dict(dns.asked)
    finally:
        outside.stop()
        inside.stop()
    stores = open_sqlite_stores(settings.data_dir / "store.sqlite")
    try:
        health = HealthBook(stores.state).all()
    finally:
        stores.close()
    return {
        "outside": outside.httpd.hits,  # type: ignore[attr-defined]
        "inside": inside.httpd.hits,  # type: ignore[attr-defined]
        "asked": asked,
        "health": health,
        "report": report,
    }


def errors(run: dict[str, Any], name: str) -> list[str]:
    return [reason for _, reason in run["health"][name].get("recent_errors", [])]


def test_the_inside_server_never_gets_a_request(rebinding_crawl) -> None:
    assert rebinding_crawl["inside"] == []


def test_a_name_is_looked_up_once_and_connected_where_it_was_checked(rebinding_crawl) -> None:
    run = rebinding_crawl
    assert run["asked"]["rebind.test"] == 1  # the list and both notices: one lookup
    hosts = {path for host, path in run["outside"] if host.startswith("rebind.test:")}
    assert hosts == {"/list.html", "/a.html", "/b.html"}
    assert run["health"]["pinned"]["status"] == "ok" and errors(run, "pinned") == []
    assert run["report"].by_source.get("pinned") == 2


def test_a_name_that_turns_to_loopback_is_not_fetched_from_loopback(rebinding_crawl) -> None:
    run = rebinding_crawl
    assert run["asked"]["evil.test"] == 1
    assert not [hit for hit in run["outside"] if hit[0].startswith("evil.test")]
    assert run["health"]["rebind_public"]["status"] == "failing"  # PUBLIC does not answer


def test_a_name_answering_loopback_is_refused_with_the_reason(rebinding_crawl) -> None:
    run = rebinding_crawl
    assert not [hit for hit in run["outside"] if hit[0].startswith("private-first.test")]
    (reason,) = errors(run, "private_first")
    assert reason.startswith("refused: private-first.test is a private or loopback address")
    assert "(127.0.0.1)" in reason and "allow_private: true" in reason
    assert run["health"]["private_first"]["status"] == "failing"


@pytest.mark.parametrize("name", ["redirect_ip", "redirect_name"])
def test_a_redirect_to_a_private_address_is_refused(rebinding_crawl, name: str) -> None:
    run = rebinding_crawl
    (reason,) = errors(run, name)
    assert reason.startswith("refused: ") and "(127.0.0.2)" in reason, reason
    assert run["health"][name]["status"] == "failing"


def test_a_file_link_is_never_read(rebinding_crawl) -> None:
    (reason,) = errors(rebinding_crawl, "file_link")
    assert reason == "refused: file: URLs are not crawled, only http(s)"


def test_a_source_allowing_private_addresses_crawls_them_by_name(rebinding_crawl) -> None:
    run = rebinding_crawl
    hits = {path for host, path in run["outside"] if host.startswith("intranet.test:")}
    assert hits == {"/list.html", "/a.html", "/b.html"}
    assert run["report"].by_source.get("allowed_name") == 2 and run["asked"]["intranet.test"] == 1
