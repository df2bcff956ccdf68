"""The embedded bus: a durable, partitioned log in one SQLite file (WAL).

Safe across processes: offsets are allocated inside write transactions, consumer groups
share partitions among live members (heartbeats in the file, a dead member's partitions
pass to the others after `session_timeout_s`), and committed positions survive a crash.

`messages` is a rowid table: a message (often a kilobyte or more) is appended and only its
key goes into the primary-key index. A log created before keeps its WITHOUT ROWID table,
which works the same but costs ~1.5x the CPU per message written (big rows in a tree).
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

from pipeline.bus.base import (
    Bus,
    BusError,
    Consumer,
    Message,
    Producer,
    committed_positions,
    partition_for,
)
from pipeline.sqlite_util import connect_sqlite
from pipeline.topics import Topic

SCHEMA = """
CREATE TABLE IF NOT EXISTS topics (name TEXT PRIMARY KEY, partitions INTEGER NOT NULL,
    retention_s INTEGER);
CREATE TABLE IF NOT EXISTS next_offsets (topic TEXT, partition INTEGER, next INTEGER NOT NULL,
    PRIMARY KEY (topic, partition));
CREATE TABLE IF NOT EXISTS messages (topic TEXT, partition INTEGER, offset INTEGER,
    key BLOB, value BLOB NOT NULL, headers TEXT, ts_ms INTEGER NOT NULL,
    PRIMARY KEY (topic, partition, offset));
CREATE INDEX IF NOT EXISTS messages_ts ON messages (topic, ts_ms);
CREATE TABLE IF NOT EXISTS group_offsets (grp TEXT, topic TEXT, partition INTEGER,
    offset INTEGER NOT NULL, PRIMARY KEY (grp, topic, partition));
CREATE TABLE IF NOT EXISTS members (grp TEXT, member_id TEXT, heartbeat_ms INTEGER NOT NULL,
    PRIMARY KEY (grp, member_id));
"""


WAKE_S = 0.02  # how often an idle consumer looks for a write by another process
HEARTBEAT_MAX_S = 1.0  # an idle poll still heartbeats at least this often


def _now_ms() -> int:
    return int(time.time() * 1000)


def _encode_headers(headers: dict[str, bytes] | None) -> str | None:
    return json.dumps({k: v.hex() for k, v in headers.items()}) if headers else None


def _decode_headers(raw: str | None) -> dict[str, bytes]:
    return {k: bytes.fromhex(v) for k, v in json.loads(raw).items()} if raw else {}


class SqliteBus(Bus):
    def __init__(self, path: str | os.PathLike[str], session_timeout_s: float = 10.0):
        self.path = Path(path)
        self.url = f"sqlite:{self.path}"
        self.session_timeout_s = session_timeout_s
        with self._connect() as conn:
            conn.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return connect_sqlite(self.path, error=BusError, what="bus log")

    def ensure_topics(self, topics: Iterable[Topic]) -> None:
        conn = self._connect()
        try:
            with conn:
                for t in topics:
                    conn.execute(
                        "INSERT OR IGNORE INTO topics VALUES (?, ?, ?)",
                        (t.name, t.partitions, t.retention_s),
                    )
                    conn.executemany(
                        "INSERT OR IGNORE INTO next_offsets VALUES (?, ?, 0)",
                        [(t.name, p) for p in range(t.partitions)],
                    )
        except sqlite3.Error as exc:
            raise BusError(f"bus log {self.path}: cannot create topics: {exc}") from exc
        finally:
            conn.close()

    def producer(self) -> SqliteProducer:
        return SqliteProducer(self._connect(), self.path)

    def consumer(self, group: str, topics: Sequence[str]) -> SqliteConsumer:
        return SqliteConsumer(self._connect(), self.path, group, topics, self.session_timeout_s)

    def enforce_retention(self, topics: Iterable[Topic]) -> int:
        conn = self._connect()
        dropped = 0
        try:
            with conn:
                for t in topics:
                    if t.retention_s is None:
                        continue
                    cutoff = _now_ms() - t.retention_s * 1000
                    cur = conn.execute(
                        "DELETE FROM messages WHERE topic = ? AND ts_ms < ?", (t.name, cutoff)
                    )
                    dropped += cur.rowcount
        finally:
            conn.close()
        return dropped


class SqliteProducer(Producer):
    def __init__(self, conn: sqlite3.Connection, path: Path):
        self._conn = conn
        self._path = path
        self._queue: list[tuple[str, bytes | None, bytes, dict[str, bytes] | None]] = []
        self._partitions: dict[str, int] = {}
        self._round_robin = itertools.count()

    def send(self, topic, value, key=None, headers=None) -> None:
        if not isinstance(value, bytes | bytearray):
            raise TypeError("message value must be bytes")
        self._queue.append((topic, key, bytes(value), headers))

    def _partition_count(self, topic: str) -> int:
        if topic not in self._partitions:
            row = self._conn.execute(
                "SELECT partitions FROM topics WHERE name = ?", (topic,)
            ).fetchone()
            if row is None:
                raise BusError(f"bus log {self._path}: topic {topic!r} does not exist")
            self._partitions[topic] = row[0]
        return self._partitions[topic]

    def flush(self) -> None:
        if not self._queue:
            return
        now = _now_ms()
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            next_offset: dict[tuple[str, int], int] = {}
            rows = []
            for topic, key, value, headers in self._queue:
                part = partition_for(key, self._partition_count(topic), next(self._round_robin))
                tp = (topic, part)
                if tp not in next_offset:
                    next_offset[tp] = self._conn.execute(
                        "SELECT next FROM next_offsets WHERE topic = ? AND partition = ?", tp
                    ).fetchone()[0]
                rows.append(
                    (topic, part, next_offset[tp], key, value, _encode_headers(headers), now)
                )
                next_offset[tp] += 1
            self._conn.executemany("INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            self._conn.executemany(
                "UPDATE next_offsets SET next = ? WHERE topic = ? AND partition = ?",
                [(n, t, p) for (t, p), n in next_offset.items()],
            )
            self._conn.execute("COMMIT")
        except (sqlite3.Error, BusError) as exc:
            # Roll back (an open write transaction would lock the whole log for every process)
            # and drop the batch: the caller re-sends it, as with Kafka's failed futures.
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            self._queue.clear()
            if isinstance(exc, BusError):
                raise
            error = BusError(f"bus log {self._path}: write failed: {exc}")
            # read-only, full disk, cannot open: retrying will not help until a person acts
            error.permanent = exc.sqlite_errorcode & 0xFF in (8, 13, 14)  # type: ignore[attr-defined]
            raise error from exc
        self._queue.clear()

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._conn.close()


class SqliteConsumer(Consumer):
    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        group: str,
        topics: Sequence[str],
        session_timeout_s: float,
    ):
        self._conn = conn
        self._path = path
        self.group = group
        self.topics = list(topics)
        self.member_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._session_ms = int(session_timeout_s * 1000)
        self._heartbeat_s = min(HEARTBEAT_MAX_S, session_timeout_s / 3)
        self._assigned: list[tuple[str, int]] = []
        self._positions: dict[tuple[str, int], int] = {}
        self._polled: list[Message] = []
        self._last_heartbeat = 0.0

    # -- group membership -------------------------------------------------------------
    def _heartbeat(self, force: bool = False) -> None:
        if not force and time.monotonic() - self._last_heartbeat < self._heartbeat_s:
            return
        now = _now_ms()
        try:
            with self._conn:
                self._conn.execute(
                    "INSERT OR REPLACE INTO members VALUES (?, ?, ?)",
                    (self.group, self.member_id, now),
                )
                self._conn.execute(
                    "DELETE FROM members WHERE grp = ? AND heartbeat_ms < ?",
                    (self.group, now - self._session_ms),
                )
                self._drop_dead_local_members()
            members = [
                r[0]
                for r in self._conn.execute(
                    "SELECT member_id FROM members WHERE grp = ? ORDER BY member_id", (self.group,)
                )
            ]
            marks = ",".join("?" * len(self.topics))
            parts = self._conn.execute(
                f"SELECT name, partitions FROM topics WHERE name IN ({marks}) ORDER BY name",
                self.topics,
            ).fetchall()
        except sqlite3.Error as exc:
            raise BusError(f"bus log {self._path}: heartbeat failed: {exc}") from exc
        all_tps = [(name, p) for name, n in parts for p in range(n)]
        me = members.index(self.member_id)
        assigned = [tp for i, tp in enumerate(all_tps) if i % len(members) == me]
        if assigned != self._assigned:
            self._assigned = assigned
            self._positions = {tp: pos for tp, pos in self._positions.items() if tp in assigned}
        self._last_heartbeat = time.monotonic()

    def _drop_dead_local_members(self) -> None:
        """A member on this host whose process is gone leaves at once, not after the
        session timeout, so a restarted stage takes its partitions back immediately."""
        host = socket.gethostname()
        for (member_id,) in self._conn.execute(
            "SELECT member_id FROM members WHERE grp = ?", (self.group,)
        ).fetchall():
            member_host, _, rest = member_id.partition(":")
            pid = rest.partition(":")[0]
            if member_host != host or not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                self._conn.execute(
                    "DELETE FROM members WHERE grp = ? AND member_id = ?", (self.group, member_id)
                )
            except PermissionError:
                pass

    def lag(self) -> int | None:
        marks = ",".join("?" * len(self.topics))
        row = self._conn.execute(
            "SELECT COALESCE(SUM(n.next - COALESCE(g.offset, 0)), 0) FROM next_offsets n "
            "LEFT JOIN group_offsets g ON g.grp = ? AND g.topic = n.topic "
            f"AND g.partition = n.partition WHERE n.topic IN ({marks})",
            (self.group, *self.topics),
        ).fetchone()
        return int(row[0])

    def assignment(self) -> list[tuple[str, int]]:
        self._heartbeat()
        return list(self._assigned)

    def _committed(self, tp: tuple[str, int]) -> int:
        row = self._conn.execute(
            "SELECT offset FROM group_offsets WHERE grp = ? AND topic = ? AND partition = ?",
            (self.group, *tp),
        ).fetchone()
        return row[0] if row else 0

    # -- reading ----------------------------------------------------------------------
    def poll(self, max_records: int = 500, timeout_s: float = 1.0) -> list[Message]:
        deadline = time.monotonic() + timeout_s
        while True:
            self._heartbeat()
            version = self._data_version()
            batch = self._read(max_records)
            now = time.monotonic()
            if batch or now >= deadline:
                self._polled.extend(batch)
                return batch
            self._wait_for_change(version, min(deadline, self._last_heartbeat + self._heartbeat_s))

    def _data_version(self) -> int:
        """Changes whenever another connection (any process) commits to the file."""
        try:
            return self._conn.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error as exc:
            raise BusError(f"bus log {self._path}: read failed: {exc}") from exc

    def _wait_for_change(self, version: int, until: float) -> None:
        """Sleep until someone else writes the log (a new message, a member joining) or
        `until`. One pragma per check instead of a query per partition, so checks can be
        frequent: a new message waits at most ~WAKE_S (it was a 50 ms poll sleep)."""
        while True:
            left = until - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(WAKE_S, left))
            if self._data_version() != version:
                return

    def _read(self, max_records: int) -> list[Message]:
        batch: list[Message] = []
        try:
            for tp in self._assigned:
                if len(batch) >= max_records:
                    break
                if tp not in self._positions:
                    self._positions[tp] = self._committed(tp)
                rows = self._conn.execute(
                    "SELECT offset, key, value, headers, ts_ms FROM messages WHERE topic = ? "
                    "AND partition = ? AND offset >= ? ORDER BY offset LIMIT ?",
                    (*tp, self._positions[tp], max_records - len(batch)),
                ).fetchall()
                for offset, key, value, headers, ts in rows:
                    batch.append(
                        Message(tp[0], tp[1], offset, key, value, _decode_headers(headers), ts)
                    )
                if rows:
                    self._positions[tp] = rows[-1][0] + 1
        except sqlite3.Error as exc:
            raise BusError(f"bus log {self._path}: read failed: {exc}") from exc
        return batch

    def commit(self, messages: Sequence[Message] | None = None) -> None:
        """Commit what this member still owns. Membership is checked first, and an offset
        never moves back: a member that lost a partition while it scored a batch (no
        heartbeat meanwhile) must not overwrite the new owner's later commit, or the new
        owner, already past those messages, would leave them uncommitted for good."""
        positions = committed_positions(self._polled if messages is None else messages)
        self._heartbeat(force=True)
        owned = {tp: pos for tp, pos in positions.items() if tp in self._assigned}
        try:
            with self._conn:
                self._conn.executemany(
                    "INSERT INTO group_offsets VALUES (?, ?, ?, ?) "
                    "ON CONFLICT DO UPDATE SET offset = MAX(offset, excluded.offset)",
                    [(self.group, t, p, pos) for (t, p), pos in owned.items()],
                )
        except sqlite3.Error as exc:
            raise BusError(f"bus log {self._path}: commit failed: {exc}") from exc
        # forget what is committed now, so a long-running consumer holds no history
        self._polled = [
            m for m in self._polled if m.offset >= positions.get((m.topic, m.partition), 0)
        ]

    def seek_to_committed(self) -> None:
        self._positions.clear()
        self._polled.clear()

    def close(self) -> None:
        try:
            with self._conn:
                self._conn.execute(
                    "DELETE FROM members WHERE grp = ? AND member_id = ?",
                    (self.group, self.member_id),
                )
        except sqlite3.Error:
            pass
        finally:
            self._conn.close()
