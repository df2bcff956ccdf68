"""Dedicated, restartable test servers for the distributed tests.

The topics have fixed names (items.raw, items.scored, …), so two tests on one broker would read
each other's messages: every test here gets its own broker. noida-db starts in about half a
second and Tansu faster, so a broker per test (function scope) costs little and keeps each
test's counts exact. A noida server can be stopped (its whole process group killed) and started
again on the same ports and data dir, which is how the fault tests take the broker or the
Elasticsearch API away and bring it back.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.alerts.channels.receivers import receiver
from tests.servers import (
    ServerProcess,
    _executable,
    elasticsearch_ready,
    free_port,
    kafka_ready,
    running_tansu,
)


class NoidaServer:
    """A noida-db (Kafka + Elasticsearch API) that can be killed and restarted in place."""

    def __init__(self, root: Path, services: str = "kafka,elasticsearch"):
        self.root = root
        self.services = services
        self.data_dir = root / "data"
        self.kafka_port = free_port()
        self.es_port = free_port()
        while self.es_port == self.kafka_port:
            self.es_port = free_port()
        self.server: ServerProcess | None = None
        self.starts = 0

    @property
    def kafka_url(self) -> str:
        return f"kafka://127.0.0.1:{self.kafka_port}"

    @property
    def es_url(self) -> str:
        return f"http://127.0.0.1:{self.es_port}"

    def start(self) -> None:
        self.starts += 1
        command = [
            _executable("noida-db"), "start", "--data-dir", str(self.data_dir),
            "--host", "127.0.0.1", "--only", self.services,
        ]  # fmt: skip
        if "kafka" in self.services:
            command += ["--kafka-port", str(self.kafka_port)]
        if "elasticsearch" in self.services:
            command += ["--elasticsearch-port", str(self.es_port)]
        log = self.root / f"noida-{self.starts}.log"
        self.server = ServerProcess("noida-db", command, log)
        if "elasticsearch" in self.services:
            self.server.wait_until(lambda: elasticsearch_ready(self.es_port), "Elasticsearch API")
        if "kafka" in self.services:
            self.server.wait_until(lambda: kafka_ready(self.kafka_port), "Kafka API")

    def kill(self) -> None:
        """Stop the whole process group (the data dir stays)."""
        if self.server is not None:
            self.server.stop()
            self.server = None

    def close(self) -> None:
        self.kill()
        shutil.rmtree(self.data_dir, ignore_errors=True)  # its Kafka log grows fast


@pytest.fixture
def own_noida(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NoidaServer]:
    """A noida-db of this test alone, restartable (`kill()` then `start()`)."""
    server = NoidaServer(tmp_path_factory.mktemp("own-noida"))
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def own_es(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NoidaServer]:
    """A noida-db serving only the Elasticsearch API, restartable: a store that can go away
    while the broker stays."""
    server = NoidaServer(tmp_path_factory.mktemp("own-es"), services="elasticsearch")
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def own_tansu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Tansu broker of this test alone (memory only)."""
    with running_tansu(tmp_path_factory.mktemp("own-tansu")) as url:
        yield url


__all__ = ["receiver"]  # the webhook receiver of the SIGKILL soak
