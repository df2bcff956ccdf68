"""Run each stage as its own subprocess and restart the ones that crash.

Scrapy's reactor, the web server and CPU-bound scoring do not share one interpreter lock,
and a crashed stage comes back (with a growing back-off) while the others go on. SIGTERM or
Ctrl-C stops every child gracefully (they finish their batch and commit), then exits.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field

log = logging.getLogger("yuqing.supervisor")


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = None
    restarts: int = 0
    started_at: float = 0.0
    next_start: float = 0.0
    exits: list[int] = field(default_factory=list)


class Supervisor:
    def __init__(
        self,
        commands: dict[str, list[str]],
        max_backoff_s: float = 30.0,
        stable_after_s: float = 60.0,
        grace_s: float = 20.0,
    ):
        self.children = {name: Child(name, argv) for name, argv in commands.items()}
        self.max_backoff_s = max_backoff_s
        self.stable_after_s = stable_after_s
        self.grace_s = grace_s
        self.stop = threading.Event()

    def _start(self, child: Child) -> None:
        child.process = subprocess.Popen(child.argv, env=os.environ.copy())
        child.started_at = time.monotonic()
        log.info("started %s (pid %d)", child.name, child.process.pid)

    def _check(self, child: Child) -> None:
        now = time.monotonic()
        if child.process is None:
            if now >= child.next_start:
                self._start(child)
            return
        code = child.process.poll()
        if code is None:
            return
        child.exits.append(code)
        child.process = None
        if now - child.started_at > self.stable_after_s:
            child.restarts = 0
        delay = min(self.max_backoff_s, 0.5 * 2**child.restarts)
        child.restarts += 1
        child.next_start = now + delay
        log.warning("stage %s exited with %s; restarting in %.1fs", child.name, code, delay)

    def run(self, install_signals: bool = True) -> None:
        if install_signals and threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: self.stop.set())
        try:
            while not self.stop.is_set():
                for child in self.children.values():
                    self._check(child)
                self.stop.wait(0.2)
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        running = [c for c in self.children.values() if c.process and c.process.poll() is None]
        for child in running:
            child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace_s
        for child in running:
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("stage %s did not stop in time; killing it", child.name)
                child.process.kill()
                child.process.wait()
        log.info("all stages stopped")

    def pids(self) -> dict[str, int]:
        return {n: c.process.pid for n, c in self.children.items() if c.process}
