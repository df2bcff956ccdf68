"""The Kafka bus: the bus interface over kafka-python, for the distributed mode.

Producers send with acks=all and report every failure at flush(); consumers commit by hand
(at least once). Topics are created with their declared partitions and retention, and a
producer refuses topics that do not exist, because a broker that auto-creates them would give
them default partitions and retention (items.raw must expire).

Credentials may be given in the URL, `kafka://USER:PASSWORD@HOST:PORT[,…]` (SASL PLAIN over
SASL_PLAINTEXT unless the options say otherwise); they never appear in an error or a log line.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import warnings
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import unquote

from pipeline.bus.base import Bus, BusError, Consumer, Message, Producer, committed_positions
from pipeline.redact import add_secrets, redact
from pipeline.topics import Topic

try:
    with warnings.catch_warnings():  # kafka-python 3.0.12 loads its schemas with a deprecated API
        warnings.simplefilter("ignore", DeprecationWarning)
        from kafka import KafkaConsumer as _KafkaConsumer
        from kafka import KafkaProducer as _KafkaProducer
        from kafka import OffsetAndMetadata, TopicPartition
        from kafka import errors as kafka_errors
        from kafka.admin import KafkaAdminClient
        from kafka.errors import KafkaError, TopicAlreadyExistsError
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError(
        "the Kafka bus needs kafka-python: pip install 'kafka-python==3.0.12' crc32c"
    ) from exc

log = logging.getLogger("yuqing.bus.kafka")

# A commit refused because the group rebalanced: the partition's new owner re-reads from the
# last commit, so at-least-once still holds and the caller need not retry.
REBALANCED = (
    kafka_errors.CommitFailedError,
    kafka_errors.IllegalGenerationError,
    kafka_errors.RebalanceInProgressError,
    kafka_errors.UnknownMemberIdError,
)
CLIENT_CLASSES = (KafkaAdminClient, _KafkaProducer, _KafkaConsumer)
# While polls come back empty, how often a consumer checks that the brokers still accept
# connections (kafka-python itself just returns nothing while they are down).
REACHABLE_CHECK_S = 5.0


class KafkaBus(Bus):
    def __init__(
        self,
        bootstrap: str,
        client_id: str = "yuqing",
        session_timeout_ms: int = 10000,
        **options: Any,
    ):
        bootstrap = bootstrap.removeprefix("kafka://")
        bootstrap, sasl = split_credentials(bootstrap)
        options = {**sasl, **options}
        add_secrets([options.get("sasl_plain_password")])
        self.servers = [s.strip() for s in bootstrap.split(",") if s.strip()]
        if not self.servers:
            raise BusError("Kafka bus: no bootstrap server given (expected HOST:PORT[,…])")
        self.bootstrap = ",".join(self.servers)
        self.url = f"kafka://{self.bootstrap}"
        self.session_timeout_ms = session_timeout_ms
        unknown = [k for k in options if not any(k in c.DEFAULT_CONFIG for c in CLIENT_CLASSES)]
        if unknown:
            raise ValueError(f"Kafka bus: unknown kafka-python options {unknown}")
        self.options: dict[str, Any] = {
            "bootstrap_servers": self.servers,
            "client_id": client_id,
            "bootstrap_timeout_ms": 10000,
            "request_timeout_ms": 15000,
            "reconnect_backoff_max_ms": 5000,
            **options,
        }
        self._known_topics: set[str] = set()
        self._admin: KafkaAdminClient | None = None
        self._lock = threading.Lock()

    def fail(self, what: str, reason: object) -> BusError:
        return BusError(redact(f"Kafka at {self.bootstrap}: {what}: {reason}"))

    def check_reachable(self) -> None:
        """Fail fast, with one clear error, when no bootstrap server accepts a connection
        (kafka-python would retry and log every attempt until its bootstrap timeout)."""
        timeout_s = min(5.0, self.options["bootstrap_timeout_ms"] / 1000)
        reasons = []
        for server in self.servers:
            host, _, port = server.rpartition(":")
            try:
                with socket.create_connection((host or server, int(port or 9092)), timeout_s):
                    return
            except (OSError, ValueError) as exc:
                reasons.append(f"{server}: {exc}")
        raise BusError(redact(f"Kafka at {self.bootstrap} unreachable: {'; '.join(reasons)}"))

    def connect(self, client_class: type, *args: Any, **config: Any) -> Any:
        """A kafka-python client with our defaults; connection failures become BusError."""
        self.check_reachable()
        try:
            own = {k: v for k, v in self.options.items() if k in client_class.DEFAULT_CONFIG}
            return client_class(*args, **{**own, **config})
        except KafkaError as exc:
            raise BusError(redact(f"Kafka at {self.bootstrap} unreachable: {exc}")) from exc

    def admin(self) -> KafkaAdminClient:
        with self._lock:
            if self._admin is None:
                self._admin = self.connect(KafkaAdminClient)
            return self._admin

    def ensure_topics(self, topics: Iterable[Topic]) -> None:
        wanted = {t.name: t for t in topics}
        if not wanted:
            return
        specs = {
            t.name: {
                "num_partitions": t.partitions,
                "replication_factor": -1,  # the broker's default.replication.factor
                "configs": {
                    "retention.ms": str(-1 if t.retention_s is None else t.retention_s * 1000)
                },
            }
            for t in wanted.values()
        }
        admin = self.admin()
        try:
            result = admin.create_topics(specs, raise_errors=False)
            for created in result["topics"]:
                code = created["error_code"]
                if code and code != TopicAlreadyExistsError.errno:
                    reason = created.get("error_message") or f"error code {code}"
                    raise self.fail(f"cannot create topic {created['name']!r}", reason)
            admin.wait_for_topics(list(wanted), timeout_ms=self.options["request_timeout_ms"])
        except KafkaError as exc:
            raise self.fail("cannot create topics", exc) from exc
        with self._lock:
            self._known_topics.update(wanted)

    def topic_exists(self, name: str) -> bool:
        """Asked of the whole topic list, which never auto-creates a topic."""
        with self._lock:
            if name in self._known_topics:
                return True
        try:
            names = set(self.admin().list_topics())
        except KafkaError as exc:
            raise self.fail("cannot list topics", exc) from exc
        with self._lock:
            self._known_topics.update(names)
        return name in names

    def enforce_retention(self, topics: Iterable[Topic]) -> int:
        """Kafka drops expired segments itself (retention.ms is set when a topic is created)."""
        return 0

    def producer(self) -> KafkaBusProducer:
        return KafkaBusProducer(self)

    def consumer(self, group: str, topics: Sequence[str]) -> KafkaBusConsumer:
        return KafkaBusConsumer(self, group, topics)

    def close(self) -> None:
        with self._lock:
            admin, self._admin = self._admin, None
        if admin is not None:
            admin.close()


def split_credentials(bootstrap: str) -> tuple[str, dict[str, Any]]:
    """`USER:PASSWORD@HOST:PORT,…` → (`HOST:PORT,…`, the kafka-python SASL options)."""
    userinfo, at, servers = bootstrap.rpartition("@")
    if not at:
        return bootstrap, {}
    user, _, password = userinfo.partition(":")
    return servers, {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "PLAIN",
        "sasl_plain_username": unquote(user),
        "sasl_plain_password": unquote(password),
    }


class KafkaBusProducer(Producer):
    """Sends with acks=all and the idempotent producer; a flush that fails abandons the
    kafka-python client and the next send opens a new one. Kept, a client whose batches
    expired while the broker was away confirmed nothing after it came back (kafka-python
    3.0.12, tests/distributed/test_producer_restart.py); the runner re-sends the batch anyway."""

    def __init__(self, bus: KafkaBus):
        self._bus = bus
        self._producer: Any = self._connect()
        self._pending: list[tuple[str, Any]] = []  # (topic, kafka future)
        self._refused: list[str] = []  # why a message could not even be queued

    def _connect(self) -> Any:
        timeout_ms = self._bus.options["request_timeout_ms"]
        return self._bus.connect(
            _KafkaProducer,
            acks="all",
            retries=5,
            linger_ms=5,
            max_block_ms=timeout_ms,
            delivery_timeout_ms=2 * timeout_ms,
            allow_auto_create_topics=False,
        )

    def _abandon(self) -> None:
        """Drop the client and whatever it still holds (the caller retries the batch)."""
        client, self._producer = self._producer, None
        if client is None:
            return
        try:
            # close() first flushes, which a stuck client never finishes: force its I/O thread
            # to fail the pending batches (kafka-python has no public call for this).
            sender = getattr(client, "_sender", None)
            if sender is not None:
                sender.force_close()
            client.close(timeout=5)
        except Exception as exc:  # noqa: BLE001 - the client is thrown away regardless
            log.warning("abandoning a Kafka producer: %s", redact(exc))

    def send(self, topic, value, key=None, headers=None) -> None:
        if not isinstance(value, bytes | bytearray):
            raise TypeError("message value must be bytes")
        if self._producer is None:
            self._producer = self._connect()  # BusError while the brokers are still down
        if not self._bus.topic_exists(topic):
            self._refused.append(f"topic {topic!r} does not exist")
            return
        try:
            kafka_headers = [(k, bytes(v)) for k, v in (headers or {}).items()]
            future = self._producer.send(topic, value=bytes(value), key=key, headers=kafka_headers)
        except KafkaError as exc:
            self._refused.append(f"cannot queue a message for {topic!r}: {exc}")
            return
        self._pending.append((topic, future))

    def flush(self) -> None:
        pending, refused = self._pending, self._refused
        self._pending, self._refused = [], []
        if self._producer is None:
            return  # abandoned, and nothing sent since
        deadline = time.monotonic() + 3 * self._bus.options["request_timeout_ms"] / 1000
        try:
            while pending:
                # In slices: while the brokers are down, give up with a BusError (the runner
                # says so and backs off) rather than wait silently for the whole timeout.
                try:
                    self._producer.flush(timeout=REACHABLE_CHECK_S)
                    break
                except kafka_errors.KafkaTimeoutError:
                    if time.monotonic() >= deadline:
                        raise
                    self._bus.check_reachable()
        except BusError:  # the brokers are down
            self._abandon()
            raise
        except KafkaError as exc:
            self._abandon()
            raise self._bus.fail(f"{len(pending)} message(s) not confirmed", exc) from exc
        failed = [f"{topic}: {future.exception}" for topic, future in pending if future.failed()]
        if failed:
            self._abandon()
        failures = refused + failed
        if failures:
            more = f" (and {len(failures) - 3} more)" if len(failures) > 3 else ""
            raise self._bus.fail("write failed", "; ".join(failures[:3]) + more)

    def close(self) -> None:
        try:
            self.flush()
        finally:
            if self._producer is not None:
                self._producer.close(timeout=5)


class KafkaBusConsumer(Consumer):
    def __init__(self, bus: KafkaBus, group: str, topics: Sequence[str]):
        self._bus = bus
        self.group = group
        self.topics = list(topics)
        self._consumer = bus.connect(
            _KafkaConsumer,
            *self.topics,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=bus.session_timeout_ms,
            heartbeat_interval_ms=max(100, bus.session_timeout_ms // 3),
            allow_auto_create_topics=False,
        )
        self._polled: list[Message] = []
        self._checked_at = time.monotonic()

    def assignment(self) -> list[tuple[str, int]]:
        """The partitions this member holds now (as of its last poll)."""
        return sorted((tp.topic, tp.partition) for tp in self._consumer.assignment())

    def poll(self, max_records: int = 500, timeout_s: float = 1.0) -> list[Message]:
        try:
            batches = self._consumer.poll(timeout_ms=int(timeout_s * 1000), max_records=max_records)
        except KafkaError as exc:
            raise self._bus.fail(f"poll for group {self.group!r} failed", exc) from exc
        messages = [
            Message(
                topic=r.topic,
                partition=r.partition,
                offset=r.offset,
                key=r.key,
                value=r.value if r.value is not None else b"",
                headers={k: bytes(v or b"") for k, v in (r.headers or [])},
                timestamp_ms=r.timestamp,
            )
            for records in batches.values()
            for r in records
        ]
        self._polled.extend(messages)
        now = time.monotonic()
        if messages:
            self._checked_at = now
        elif now - self._checked_at >= REACHABLE_CHECK_S:
            # An outage must reach the runner (a clear log line and its back-off), not look
            # like an idle topic: raises BusError when no bootstrap server accepts a connection.
            self._checked_at = now
            self._bus.check_reachable()
        return messages

    def commit(self, messages: Sequence[Message] | None = None) -> None:
        positions = committed_positions(self._polled if messages is None else messages)
        owned = {TopicPartition(*tp) for tp in self.assignment()}
        offsets = {
            TopicPartition(*tp): OffsetAndMetadata(pos, "", -1)
            for tp, pos in positions.items()
            if TopicPartition(*tp) in owned
        }
        if offsets:
            try:
                self._consumer.commit(offsets)  # bounded by request_timeout_ms
            except REBALANCED as exc:
                log.warning("group %s rebalanced; commit dropped, will re-read: %s",
                            self.group, exc)  # fmt: skip
            except KafkaError as exc:
                raise self._bus.fail(f"commit for group {self.group!r} failed", exc) from exc
        # forget what is committed now, so a long-running consumer holds no history
        self._polled = [
            m for m in self._polled if m.offset >= positions.get((m.topic, m.partition), 0)
        ]

    def lag(self) -> int | None:
        """Messages after the group's committed offsets, over every partition of the topics.

        The committed offsets are read with the admin client, not the consumer's coordinator
        connection: there an OffsetFetch waits behind a pending JoinGroup, the join completes
        while no poll awaits it, and kafka-python 3.0.12 then drops it and joins again, so a
        consumer asked for its lag while joining never got its partitions
        (tests/distributed/test_drain_once.py)."""
        try:
            partitions = [
                TopicPartition(topic, p)
                for topic in self.topics
                for p in sorted(self._consumer.partitions_for_topic(topic) or ())
            ]
            if not partitions:
                return None
            ends = self._consumer.end_offsets(partitions)
            offsets = self._bus.admin().list_group_offsets({self.group: partitions})
            committed = offsets.get(self.group, {})
            total = 0
            for tp in partitions:
                done = committed[tp].offset if tp in committed else -1
                total += max(0, ends.get(tp, 0) - max(done, 0))
            return total
        except KafkaError as exc:
            log.warning("group %s: cannot read its lag: %s", self.group, exc)
            return None

    def seek_to_committed(self) -> None:
        """Rewind each partition held to the first message polled but not committed.

        Local: no round trip to the broker, so it works in the outage that made the batch fail
        (reading the committed offsets from the coordinator would block there for
        request_timeout_ms per partition, then raise out of the runner's retry handler). Every
        message before the first uncommitted one was committed, and a partition that changed
        owner is re-read from its commit by kafka-python itself."""
        first: dict[tuple[str, int], int] = {}
        for m in self._polled:
            tp = (m.topic, m.partition)
            first[tp] = min(first.get(tp, m.offset), m.offset)
        held = set(self.assignment())
        try:
            for tp, offset in first.items():
                if tp in held:
                    self._consumer.seek(TopicPartition(*tp), offset)
        except KafkaError as exc:
            raise self._bus.fail(f"seek for group {self.group!r} failed", exc) from exc
        self._polled.clear()

    def close(self) -> None:
        try:
            self._consumer.close(autocommit=False, timeout_ms=5000)
        except KafkaError as exc:  # leaving the group is best effort
            log.warning("group %s: leaving the group failed: %s", self.group, exc)
