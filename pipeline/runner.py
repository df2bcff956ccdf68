"""Run one stage: consume a batch → process → write/produce → commit, at least once.

A batch's input offsets are committed only after its outputs are flushed and its store
writes returned. A record that fails validation, or makes the stage raise, goes to the
dead-letter topic with the error and its original bytes, and the stage goes on. A backend
outage (BusError, StoreError) is not the record's fault: the batch is retried after a
backoff, never dead-lettered. SIGTERM and Ctrl-C finish the batch, commit, and exit.
"""

from __future__ import annotations

import errno
import logging
import signal
import threading
import time
import traceback
from collections.abc import Sequence

from pydantic import ValidationError

from pipeline.bus.base import BusError, Consumer, Message
from pipeline.models import now_utc
from pipeline.stage import Envelope, Stage
from pipeline.storage.base import StoreError
from pipeline.topics import ALL_TOPICS, BY_NAME, DEAD_LETTER

log = logging.getLogger("yuqing.runner")

TRANSIENT = (BusError, StoreError, OSError)
MAX_BACKOFF_S = 30.0
PROBE_EVERY_S = 1.0  # while backing off, how often the backends are asked if they are back


def install_signal_handlers(stop: threading.Event) -> None:
    """SIGTERM / SIGINT ask the loop to stop after the current batch."""

    def _handler(signum, _frame):
        log.info("received %s: finishing the current batch", signal.Signals(signum).name)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _handler)
        signal.signal(signal.SIGINT, _handler)


class StageRunner:
    """Drives one stage over the bus of its context."""

    def __init__(self, stage: Stage, batch_size: int = 200, poll_timeout_s: float = 1.0):
        self.stage = stage
        self.ctx = stage.ctx
        self.batch_size = batch_size
        self.poll_timeout_s = poll_timeout_s
        self.processed = 0
        self.dead_lettered = 0
        self._last_tick = 0.0
        self._last_retention = 0.0

    @property
    def group(self) -> str:
        return f"yuqing.{self.stage.name}"

    def run(self, stop: threading.Event | None = None, max_idle_polls: int | None = None) -> None:
        """Loop until `stop` is set (or, for tests and the demo, until `max_idle_polls`
        consecutive polls returned nothing)."""
        stop = stop or self.ctx.stop
        try:
            if not self.stage.consumes:
                self.stage.run(stop)
                self.ctx.flush()
                return
            consumer = self.ctx.bus.consumer(self.group, [t.name for t in self.stage.consumes])
            try:
                self._consume(consumer, stop, max_idle_polls)
            finally:
                consumer.close()
        finally:
            self.stage.close()
            self.ctx.close()

    def _consume(self, consumer: Consumer, stop: threading.Event, max_idle: int | None) -> None:
        idle = 0
        backoff = 0.5
        while not stop.is_set():
            self._maybe_tick()
            try:
                messages = consumer.poll(self.batch_size, self.poll_timeout_s)
                if not messages:
                    idle += 1
                    # Drained means nothing left for the whole group: partitions still held
                    # by a member that died are waited for until the group takes them back.
                    if max_idle is not None and idle >= max_idle:
                        lag = consumer.lag()
                        if lag in (None, 0):
                            return
                        if idle >= max_idle * 60:
                            log.warning(
                                "stage %s: giving up with %s messages held by other "
                                "members of the group",
                                self.stage.name,
                                lag,
                            )
                            return
                    continue
                idle = 0
                self.handle_batch(messages)
                consumer.commit(messages)
                backoff = 0.5
            except TRANSIENT as exc:
                if _needs_a_person(exc):
                    log.error("stage %s: stopping: %s", self.stage.name, exc)
                    raise
                log.warning(
                    "stage %s: backend unavailable, retrying in %.1fs: %s",
                    self.stage.name,
                    backoff,
                    exc,
                )
                # an outage that is over starts the next one's back-off afresh
                back = self._back_off(backoff, stop)
                backoff = 0.5 if back else min(backoff * 2, MAX_BACKOFF_S)
                try:
                    consumer.seek_to_committed()
                except TRANSIENT as again:  # still down: the next round backs off further
                    log.warning("stage %s: cannot rewind yet: %s", self.stage.name, again)

    def _back_off(self, seconds: float, stop: threading.Event) -> bool:
        """Wait out a back-off, but end it as soon as a backend seen down answers again (then
        True): a long outage must not cost up to MAX_BACKOFF_S more once it is over. A backend
        that answers throughout (it refused the batch for another reason) gets the full wait."""
        until = time.monotonic() + seconds
        seen_down = False
        while not stop.wait(min(PROBE_EVERY_S, max(0.0, until - time.monotonic()))):
            if time.monotonic() >= until:
                return False
            try:
                self.ctx.check_backends()
            except TRANSIENT:
                seen_down = True
                continue
            if seen_down:
                log.info("stage %s: the backend answers again, resuming", self.stage.name)
                return True
        return False

    def _maybe_tick(self) -> None:
        now = time.monotonic()
        if now - self._last_tick >= self.stage.tick_interval_s:
            self._last_tick = now
            self.stage.tick(self.ctx.clock())
        if now - self._last_retention >= 600:
            self._last_retention = now
            dropped = self.ctx.bus.enforce_retention(ALL_TOPICS)
            if dropped:
                log.info("retention: dropped %d expired messages", dropped)

    # -- one batch ------------------------------------------------------------------------
    def decode(self, messages: Sequence[Message]) -> list[Envelope]:
        envelopes = []
        for m in messages:
            model = BY_NAME[m.topic].model if m.topic in BY_NAME else None
            if model is None:
                self.dead_letter(m, f"topic {m.topic!r} has no record model")
                continue
            try:
                envelopes.append(Envelope(m, model.from_json(m.value)))
            except (ValidationError, ValueError) as exc:
                self.dead_letter(m, f"invalid {model.__name__}: {_short(exc)}")
        return envelopes

    def handle_batch(self, messages: Sequence[Message]) -> None:
        envelopes = self.decode(messages)
        if envelopes:
            try:
                self.stage.process(envelopes)
            except TRANSIENT:
                raise
            except Exception:
                log.warning(
                    "stage %s: batch failed, isolating the poison record(s)", self.stage.name
                )
                for env in envelopes:
                    try:
                        self.stage.process([env])
                    except TRANSIENT:
                        raise
                    except Exception as exc:
                        self.dead_letter(
                            env.message,
                            f"{type(exc).__name__}: {exc}",
                            traceback.format_exc(limit=5),
                        )
        self.ctx.flush()
        self.processed += len(messages)

    def dead_letter(self, message: Message, error: str, trace: str = "") -> None:
        log.error(
            "stage %s: %s[%d]@%d to dead-letter: %s",
            self.stage.name,
            message.topic,
            message.partition,
            message.offset,
            error,
        )
        headers = {
            "error": error.encode("utf-8"),
            "stage": self.stage.name.encode(),
            "source_topic": message.topic.encode(),
            "source_partition": str(message.partition).encode(),
            "source_offset": str(message.offset).encode(),
            "failed_at": now_utc().isoformat().encode(),
        }
        if trace:
            headers["trace"] = trace.encode("utf-8")
        self.ctx.producer.send(DEAD_LETTER.name, message.value, message.key, headers)
        self.dead_lettered += 1


def _needs_a_person(exc: Exception) -> bool:
    """A full disk or a read-only file: the stage stops (non-zero exit) instead of retrying;
    under `yuqing run` the supervisor restarts it later."""
    if getattr(exc, "permanent", False):
        return True
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EROFS, errno.EDQUOT)


def _short(exc: Exception, limit: int = 500) -> str:
    text = str(exc).replace("\n", "; ")
    return text if len(text) <= limit else text[:limit] + "…"


def run_once(stage: Stage) -> int:
    """Process everything currently waiting for a stage, then return (demo and tests)."""
    runner = StageRunner(stage, poll_timeout_s=0.2)
    runner.run(threading.Event(), max_idle_polls=2)
    return runner.processed
