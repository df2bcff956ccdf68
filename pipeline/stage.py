"""What a stage is, and what it is given: the context of one running stage.

A stage consumes topics (classify, alert) or is a source (crawl: `consumes` is empty and it
overrides `run`). It is built from settings like a Scrapy component (`from_settings`), its
options are a nested pydantic model declared beside it, and it never knows which bus or
store backend it talks to.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.bus import open_bus
from pipeline.bus.base import Bus, Message, Producer
from pipeline.config import ConfigError, Settings, StageConfig, describe_validation
from pipeline.models import Record, now_utc
from pipeline.profile import JurisdictionProfile, load_profile
from pipeline.storage import open_stores
from pipeline.storage.base import Stores
from pipeline.topics import Topic


class NoOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass
class Envelope:
    """A consumed message and the record decoded from it."""

    message: Message
    record: Record


class StageContext:
    """Everything a stage may use; backends are opened lazily, on first use."""

    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], datetime] = now_utc,
        stop: threading.Event | None = None,
    ):
        self.settings = settings
        self.clock = clock
        self.stop = stop or threading.Event()
        self._bus: Bus | None = None
        self._producer: Producer | None = None
        self._stores: Stores | None = None

    @property
    def profile(self) -> JurisdictionProfile:
        return load_profile(
            self.settings.profile, self.settings.source.parent if self.settings.source else None
        )

    @property
    def bus(self) -> Bus:
        if self._bus is None:
            self._bus = open_bus(self.settings)
        return self._bus

    @property
    def producer(self) -> Producer:
        if self._producer is None:
            self._producer = self.bus.producer()
        return self._producer

    @property
    def stores(self) -> Stores:
        if self._stores is None:
            self._stores = open_stores(self.settings)
        return self._stores

    def emit(
        self, topic: Topic, record: Record, key: str | None = None, encoded: str | None = None
    ) -> None:
        """Queue a record for a topic; durable after flush() (the runner flushes per batch).
        `encoded`: the record's `to_json()` when the caller made it already (for a store)."""
        value = encoded.encode("utf-8") if encoded is not None else record.to_bytes()
        self.producer.send(topic.name, value, key.encode("utf-8") if key is not None else None)

    def check_backends(self) -> None:
        """Raise BusError or StoreError while an opened backend does not answer."""
        if self._bus is not None:
            self._bus.check_reachable()
        if self._stores is not None:
            self._stores.check_reachable()

    def flush(self) -> None:
        if self._producer is not None:
            self._producer.flush()

    def close(self) -> None:
        try:
            if self._producer is not None:
                self._producer.close()
        finally:
            if self._stores is not None:
                self._stores.close()
            if self._bus is not None:
                self._bus.close()


class Stage:
    """Base of every stage. Subclasses set `name`, `consumes`, `Options` and `process`."""

    name: ClassVar[str] = "stage"
    consumes: ClassVar[tuple[Topic, ...]] = ()
    produces: ClassVar[tuple[Topic, ...]] = ()
    Options: ClassVar[type[BaseModel]] = NoOptions
    tick_interval_s: ClassVar[float] = 10.0

    def __init__(self, ctx: StageContext, options: BaseModel | None = None):
        self.ctx = ctx
        self.options = options if options is not None else self.Options()
        self.once = False  # set by `--once`: a source stage makes one pass, then returns
        self.log = logging.getLogger(f"yuqing.{self.name}")

    @classmethod
    def from_settings(cls, ctx: StageContext, config: StageConfig | None = None) -> Stage:
        raw: dict[str, Any] = config.options() if config else {}
        where = f"{ctx.settings.source}: stages.{cls.name}"
        known = {f.alias or n for n, f in cls.Options.model_fields.items()}
        known |= set(cls.Options.model_fields)
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ConfigError(
                "\n".join(
                    f"{where}.{k}: unknown key (known: {', '.join(sorted(known))})" for k in unknown
                )
            )
        try:
            options = cls.Options.model_validate(raw)
        except ValidationError as exc:
            raise ConfigError(describe_validation(exc, where)) from None
        return cls(ctx, options)

    def process(self, batch: Sequence[Envelope]) -> None:
        """Handle one batch; outputs go through ctx.emit / ctx.stores. Must be idempotent:
        a batch may be seen again after a crash before its commit."""
        outputs = self.transform([e.record for e in batch])
        for out in outputs:
            self.emit_output(out)

    def transform(self, records: Sequence[Record]) -> list[Record]:
        """A pure record → record mapping, for stages that have one (`--stdin` uses it)."""
        raise NotImplementedError(f"stage {self.name} has no transform")

    def emit_output(self, record: Record) -> None:
        raise NotImplementedError

    def tick(self, now: datetime) -> None:
        """Periodic work (timers, retention); called between batches."""

    def run(self, stop: threading.Event) -> None:
        """Main loop of a source stage (one that consumes nothing)."""
        raise NotImplementedError(f"stage {self.name} consumes nothing and has no run loop")

    def close(self) -> None:
        """Release what the stage holds; the context is closed by the runner."""
