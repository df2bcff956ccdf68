"""Where crawled items go: validated, deduplicated against what was seen, emitted to items.raw.

The seen index (id → fingerprint, first crawl time) lives in the state store so it survives
restarts and is shared by workers. It is updated only after the bus flush returned, so a crash
between the two re-emits an item (at least once) rather than losing it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field

from pipeline.models import Finding, Item
from pipeline.stage import StageContext
from pipeline.storage.base import StateStore
from pipeline.topics import FINDINGS, ITEMS_RAW

log = logging.getLogger("yuqing.crawl")
SEEN_NAMESPACE = "crawl.seen"


def fingerprint(item: Item) -> str:
    """What makes a re-crawled item worth emitting again: its text, title and metrics."""
    metrics = item.metrics.model_dump(exclude_none=True) if item.metrics else {}
    payload = json.dumps([item.title, item.text, item.author, metrics], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]


class SeenIndex:
    """Item id → {"fp", "crawled_at"} in a StateStore namespace."""

    def __init__(self, state: StateStore, namespace: str = SEEN_NAMESPACE):
        self.state = state
        self.namespace = namespace

    def lookup(self, item_id: str) -> dict | None:
        return self.state.get(self.namespace, item_id)

    def mark(self, item: Item, fp: str) -> None:
        self.state.put(self.namespace, item.id, {"fp": fp, "crawled_at": item.crawled_at})


@dataclass
class SinkStats:
    emitted: int = 0
    unchanged: int = 0
    updated: int = 0
    invalid: int = 0
    findings: int = 0
    by_source: dict[str, int] = field(default_factory=dict)


class ItemSink:
    """Emits items and findings through a StageContext; `flush()` makes them durable."""

    def __init__(self, ctx: StageContext, seen: SeenIndex | None = None, flush_every: int = 50):
        self.ctx = ctx
        self.seen = seen
        self.flush_every = flush_every
        self.stats = SinkStats()
        self._pending_marks: list[tuple[Item, str]] = []
        self._unflushed = 0

    def accept(self, item: Item) -> bool:
        """Emit `item` unless it was seen with the same content; True when emitted."""
        fp = fingerprint(item)
        if self.seen is not None:
            known = self.seen.lookup(item.id)
            if known and known.get("fp") == fp:
                self.stats.unchanged += 1
                return False
            if known:  # changed since the last crawl: keep the first detection time
                item = item.model_copy(
                    update={
                        "crawled_at": known.get("crawled_at") or item.crawled_at,
                        "updated_at": item.crawled_at,
                    }
                )
                self.stats.updated += 1
            self._pending_marks.append((item, fp))
        self.ctx.emit(ITEMS_RAW, item, key=item.id)
        self.stats.emitted += 1
        self.stats.by_source[item.source_name] = self.stats.by_source.get(item.source_name, 0) + 1
        self._unflushed += 1
        if self._unflushed >= self.flush_every:
            self.flush()
        return True

    def report(self, finding: Finding) -> None:
        self.ctx.emit(FINDINGS, finding, key=finding.finding_id)
        self.stats.findings += 1
        self._unflushed += 1

    def flush(self) -> None:
        self.ctx.flush()
        self._unflushed = 0
        if self.seen is not None:
            for item, fp in self._pending_marks:
                self.seen.mark(item, fp)
        self._pending_marks.clear()


def open_seen_index(ctx: StageContext) -> SeenIndex | None:
    """The seen index over the configured state store; None (every item emitted) when the
    store cannot be opened: crawling must go on, and downstream writes are idempotent."""
    try:
        return SeenIndex(ctx.stores.state)
    except Exception as exc:  # a store outage or a broken tokenizer must not stop the crawl
        log.warning("crawl: state store unavailable, emitting every item: %s", exc)
        return None
