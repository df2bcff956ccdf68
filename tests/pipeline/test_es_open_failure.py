"""A failed open of the Elasticsearch stores leaves no client behind (issue #11): the dashboard
retries the open every 2 s while the cluster is away, and each attempt used to keep its client
and its pooled connection until the garbage collector happened by."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipeline.storage.base import StoreError
from pipeline.storage.elasticsearch import open_elasticsearch_stores

ATTEMPTS = 5


class NotReady(BaseHTTPRequestHandler):
    """Answers every request 500 over a kept-alive connection, as a cluster that is up but
    refuses setup; counts the connections clients hold open."""

    protocol_version = "HTTP/1.1"
    open_connections: set[int] = set()

    def setup(self) -> None:
        super().setup()
        self.open_connections.add(id(self))

    def finish(self) -> None:
        super().finish()
        self.open_connections.discard(id(self))

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        body = b'{"error": {"type": "internal", "reason": "not ready"}, "status": 500}'
        self.send_response(500)
        self.send_header("content-type", "application/json")
        self.send_header("x-elastic-product", "Elasticsearch")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_HEAD = do_PUT = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def not_ready_url() -> Iterator[str]:
    NotReady.open_connections = set()
    server = ThreadingHTTPServer(("127.0.0.1", 0), NotReady)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _settled_open_connections(expected: int, timeout_s: float = 5.0) -> int:
    deadline = time.monotonic() + timeout_s
    while len(NotReady.open_connections) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return len(NotReady.open_connections)


def test_failed_opens_close_their_clients(not_ready_url: str) -> None:
    gc.disable()  # what the collector would close is a leak all the same
    try:
        for _ in range(ATTEMPTS):
            with pytest.raises(StoreError, match="refused setup"):
                open_elasticsearch_stores(not_ready_url)
        assert _settled_open_connections(0) == 0, "a failed open left its connection open"
    finally:
        gc.enable()
