"""CrawlStage: the source stage that crawls every configured source into items.raw.

`once` (the option, or `yuqing crawl --once`) makes one pass and returns; otherwise APScheduler
(crawlers.schedule) fires each source on its interval or crontab, with jitter and backoff for
failing sources, until `stop` is set. Where a pass runs (this process or a child) is decided by
`isolate`, because Scrapy's reactor runs only once per process.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from crawlers.crawl import PassReport, crawl_in_child, crawl_in_process, reactor_already_ran
from crawlers.health import HealthBook
from crawlers.schedule import SourceScheduler, in_backoff
from crawlers.sources import SourceConfig, load_sources
from pipeline.stage import Stage
from pipeline.topics import FINDINGS, ITEMS_RAW, Topic


class CrawlOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: str = Field(description="sources YAML: absolute, or relative to the repository root")
    once: bool = False
    # auto: a single pass runs in this process (if its reactor is still fresh), repeated passes
    # each in a child process; always / never force one or the other.
    isolate: Literal["auto", "always", "never"] = "auto"
    track_changes: bool = Field(default=True, description="emit only new or changed items")
    flush_every: int = Field(default=50, ge=1)
    log_level: str = "WARNING"
    dns_servers: list[str] = Field(
        default_factory=list, description='DNS servers ("host:port") instead of the system\'s'
    )


class CrawlStage(Stage):
    name: ClassVar[str] = "crawl"
    consumes: ClassVar[tuple[Topic, ...]] = ()
    produces: ClassVar[tuple[Topic, ...]] = (ITEMS_RAW, FINDINGS)
    Options: ClassVar[type[BaseModel]] = CrawlOptions
    options: CrawlOptions

    last_report: PassReport | None = None

    @property
    def one_pass(self) -> bool:
        return bool(self.once or self.options.once)

    def load_sources(self) -> list[SourceConfig]:
        return load_sources(self.options.sources)

    def crawl_pass(self, sources: list[SourceConfig], stop: threading.Event) -> PassReport:
        opts = self.options
        kwargs = {
            "track_changes": opts.track_changes,
            "flush_every": opts.flush_every,
            "log_level": opts.log_level,
            "dns_servers": opts.dns_servers,
        }
        in_process = opts.isolate == "never" or (
            opts.isolate == "auto" and self.one_pass and not reactor_already_ran()
        )
        if in_process:
            report = crawl_in_process(self.ctx, sources, stop, **kwargs)
        else:
            self.ctx.flush()
            report = crawl_in_child(self.ctx.settings, sources, stop, **kwargs)
        self.last_report = report
        self.log.info(
            "crawl pass: %d item(s) emitted (%d changed), %d unchanged, %d invalid, "
            "%d finding(s) in %.1fs; per source %s",
            report.emitted,
            report.updated,
            report.unchanged,
            report.invalid,
            report.findings,
            report.seconds,
            report.by_source,
        )
        return report

    def run(self, stop: threading.Event) -> None:
        sources = self.load_sources()
        if not sources:
            self.log.warning("no enabled source in %s", self.options.sources)
            return
        if self.one_pass:
            self.crawl_pass(sources, stop)
            return
        scheduler = SourceScheduler(sources, first_run=datetime.now(UTC))
        scheduler.start()
        try:
            while not stop.is_set():
                due = scheduler.take_due(wait_s=0.5)
                due = [s for s in due if not self.resting(s)]
                if not due:
                    continue
                try:
                    self.crawl_pass(due, stop)
                except RuntimeError as exc:  # one failed pass must not end the stage
                    self.log.error("crawl pass failed: %s", exc)
        finally:
            scheduler.shutdown()

    def resting(self, source: SourceConfig) -> bool:
        """A failing source in backoff skips this turn."""
        try:
            health = HealthBook(self.ctx.stores.state).get(source.name)
        except Exception:  # no store: no backoff, crawling goes on
            return False
        if in_backoff(source, health, datetime.now(UTC)):
            self.log.info("source %s is failing: backing off this turn", source.name)
            return True
        return False
