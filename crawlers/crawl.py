"""One crawl pass over a list of sources, with Scrapy's reactor handled for the caller.

Twisted's reactor cannot be restarted in a process. A pass therefore runs either in this
process (`crawl_in_process`: once per process, e.g. `yuqing crawl --once` and the demo), or in
a fresh spawned child process (`crawl_in_child`: any number of passes, continuous mode); the
child builds its own StageContext from the same settings and reports its counts back.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import sys
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from crawlers.settings import scrapy_settings, source_settings
from crawlers.sink import ItemSink, SinkStats, open_seen_index
from crawlers.sources import SourceConfig
from crawlers.spiders import SourceSpider, spider_class
from pipeline.config import Settings
from pipeline.redact import install as install_redaction
from pipeline.stage import StageContext

log = logging.getLogger("yuqing.crawl")


@dataclass
class PassReport(SinkStats):
    """A crawl pass: the sink's counts and how long the pass took."""

    seconds: float = 0.0


def reactor_already_ran() -> bool:
    """True when a Twisted reactor has run in this process (it cannot run again)."""
    reactor = sys.modules.get("twisted.internet.reactor")
    return bool(reactor is not None and getattr(reactor, "_startedBefore", False))


def spider_for(source: SourceConfig) -> type[SourceSpider]:
    """The source's spider kind, with the source's politeness applied as its own settings."""
    base = spider_class(source.spider)
    custom = {**(base.custom_settings or {}), **source_settings(source)}
    return type(base.__name__, (base,), {"custom_settings": custom})


_NOISY_LOGGERS = (
    "scrapy",
    "scrapy.utils.log",
    "scrapy.crawler",
    "scrapy.addons",
    "scrapy.middleware",
    "twisted",
    "py.warnings",
    "trafilatura",
    "readability",
)


class _MinLevelFilter(logging.Filter):
    def __init__(self, level: int):
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self.level


def _quiet_scrapy(level: str) -> None:
    """Scrapy's chatter at the stage's log level. Scrapy's logging setup (dictConfig) resets
    logger levels but not filters, so a filter holds through it."""
    threshold = getattr(logging, level.upper(), logging.WARNING)
    for name in _NOISY_LOGGERS:
        logger = logging.getLogger(name)
        logger.filters = [f for f in logger.filters if not isinstance(f, _MinLevelFilter)]
        logger.addFilter(_MinLevelFilter(threshold))
        logger.setLevel(threshold)


def crawl_in_process(
    ctx: StageContext,
    sources: list[SourceConfig],
    stop: threading.Event | None = None,
    track_changes: bool = True,
    flush_every: int = 50,
    log_level: str = "WARNING",
    dns_servers: list[str] | None = None,
) -> PassReport:
    """Crawl every source once with a CrawlerProcess in this process; items go to ctx's bus.

    Runs the reactor in the calling thread until the crawl ends or `stop` is set; host names
    are looked up by `dns_servers` ("host:port") when given, else by the system."""
    from scrapy.crawler import CrawlerProcess

    if reactor_already_ran():
        raise RuntimeError("the Twisted reactor already ran in this process: use crawl_in_child")
    started = time.monotonic()
    sink = ItemSink(ctx, open_seen_index(ctx) if track_changes else None, flush_every)
    _quiet_scrapy(log_level)
    overrides = {"LOG_INSTALL_ROOT_HANDLER": False, "YUQING_DNS_SERVERS": dns_servers or []}
    process = CrawlerProcess(scrapy_settings(log_level, **overrides))
    _quiet_scrapy(log_level)  # again: dictConfig reset the levels
    for source in sources:
        process.crawl(spider_for(source), source=source, sink=sink)
    done = threading.Event()

    def stop_when_asked() -> None:
        from twisted.internet import reactor

        while not done.is_set():
            if stop is not None and stop.wait(0.2):
                log.info("crawl: stop requested, finishing the open requests")
                reactor.callFromThread(process.stop)
                return
            if stop is None:
                return

    watcher = threading.Thread(target=stop_when_asked, name="yuqing-crawl-stop", daemon=True)
    watcher.start()
    try:
        process.start(stop_after_crawl=True, install_signal_handlers=False)
    finally:
        done.set()
        sink.flush()
    stats = sink.stats
    return PassReport(
        stats.emitted,
        stats.unchanged,
        stats.updated,
        stats.invalid,
        stats.findings,
        dict(stats.by_source),
        time.monotonic() - started,
    )


def _child_main(
    settings: Settings, sources: list[SourceConfig], options: dict[str, Any], conn: Any
) -> None:
    """Entry point of a crawl child process: SIGTERM asks it to finish and flush."""
    logging.basicConfig(
        level=settings.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    install_redaction(settings)  # a child process: its own logging, the same secrets masked
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    ctx = StageContext(settings, stop=stop)
    try:
        report = crawl_in_process(ctx, sources, stop, **options)
        conn.send(asdict(report))
    finally:
        ctx.close()
        conn.close()


def crawl_in_child(
    settings: Settings,
    sources: list[SourceConfig],
    stop: threading.Event | None = None,
    grace_s: float = 30.0,
    **options: Any,
) -> PassReport:
    """Run one pass in a spawned child process (a fresh reactor each time)."""
    mp = multiprocessing.get_context("spawn")
    receiver, sender = mp.Pipe(duplex=False)
    child = mp.Process(
        target=_child_main,
        args=(settings, sources, options, sender),
        name="yuqing-crawl-pass",
        daemon=True,
    )
    child.start()
    sender.close()
    stop_sent_at: float | None = None
    while child.is_alive():
        child.join(0.2)
        if stop is not None and stop.is_set() and child.is_alive():
            if stop_sent_at is None:
                child.terminate()  # SIGTERM: the child stops its crawl and flushes
                stop_sent_at = time.monotonic()
            elif time.monotonic() - stop_sent_at > grace_s:
                child.kill()
    try:
        report = receiver.recv() if receiver.poll() else None
    except EOFError:  # the child died before reporting
        report = None
    receiver.close()
    if report is None:
        if stop is not None and stop.is_set():
            return PassReport()
        raise RuntimeError(f"crawl pass failed in its child process (exit code {child.exitcode})")
    return PassReport(**report)
