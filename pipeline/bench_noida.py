"""noida-db for the distributed benchmark: the Kafka protocol and the Elasticsearch 8 API in
one PyPI server, started on 127.0.0.1 on free ports in a fresh temp dir, in its own process
group (its console script leaves the server child running if only the script is stopped),
and stopped by that group. A stand-in for real Kafka and Elasticsearch, not a model of them.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from pipeline.bus import bus_from_url

START_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def noida_executable() -> str | None:
    beside = Path(sys.executable).parent / "noida-db"
    return str(beside) if beside.exists() else shutil.which("noida-db")


def _es_ready(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2) as response:
        return "version" in json.loads(response.read())


def _kafka_ready(url: str) -> bool:
    host, port = url.removeprefix("kafka://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=1):
        pass  # refused until it listens; the admin client would log every refusal
    bus = bus_from_url(url)
    try:
        bus.admin().list_topics()  # type: ignore[attr-defined]
        return True
    finally:
        bus.close()


def _stop_group(pgid: int) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


@contextlib.contextmanager
def noida_server() -> Iterator[tuple[str, str]]:
    """(kafka://127.0.0.1:P, http://127.0.0.1:Q) of a fresh noida-db, stopped on exit."""
    exe = noida_executable()
    if exe is None:
        raise RuntimeError("noida-db is not installed (pip install noida-db)")
    folder = Path(tempfile.mkdtemp(prefix="yuqing-bench-noida-"))
    kafka_port, es_port = free_port(), free_port()
    while es_port == kafka_port:
        es_port = free_port()
    command = [exe, "start", "--data-dir", str(folder / "data"), "--host", "127.0.0.1",
               "--only", "kafka,elasticsearch", "--kafka-port", str(kafka_port),
               "--elasticsearch-port", str(es_port)]  # fmt: skip
    kafka, es = f"kafka://127.0.0.1:{kafka_port}", f"http://127.0.0.1:{es_port}"
    with open(folder / "noida.log", "wb") as log:
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        for ready, url in ((_es_ready, es), (_kafka_ready, kafka)):
            while True:
                if proc.poll() is not None or time.monotonic() > deadline:
                    tail = (folder / "noida.log").read_text(errors="replace")[-1500:]
                    raise RuntimeError(f"noida-db did not come up ({url}):\n{tail}")
                with contextlib.suppress(Exception):
                    if ready(url):
                        break
                time.sleep(0.2)
        yield kafka, es
    finally:
        _stop_group(proc.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=2)
        shutil.rmtree(folder, ignore_errors=True)  # its Kafka log grows fast
