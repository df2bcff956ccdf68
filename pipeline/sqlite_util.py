"""One way to open the project's SQLite files: WAL, a busy timeout, and clear errors."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

# The memory SQLite may hold per connection, set on every connection (not left to how the
# library was built): a page cache of at most CACHE_KIB KiB, filled within minutes of a
# stream and then reused, and no memory-mapped reads (a mapped file grows the resident set
# with the file). The alert stage holds three connections (store, bus consumer, producer):
# SQLite's share of its RSS plateaus at ~6.3 MB (issue #11).
CACHE_KIB = 2000  # SQLite's own default, made explicit
MMAP_BYTES = 0
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=30000",
    f"PRAGMA cache_size=-{CACHE_KIB}",
    f"PRAGMA mmap_size={MMAP_BYTES}",
)


def connect_sqlite(
    path: str | os.PathLike[str],
    error: type[Exception] = RuntimeError,
    what: str = "database",
) -> sqlite3.Connection:
    """Open (creating its folder) a SQLite file for use by several processes at once.

    Autocommit mode (isolation_level=None) so that callers open their own transactions with
    BEGIN IMMEDIATE; a read-only or locked file raises `error` naming the file and the cause.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise error(f"{what} {path}: cannot create its folder: {exc.strerror}") from exc
    # Root passes os.access whatever the mode bits say, so a file chmod'ed read-only by the
    # office is recognised by its bits too.
    if path.exists() and (not os.access(path, os.W_OK) or not path.stat().st_mode & 0o222):
        raise error(f"{what} {path}: the file is read-only")
    if not os.access(path.parent, os.W_OK):
        raise error(f"{what} {path}: the folder {path.parent} is not writable")
    try:
        conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
        for pragma in PRAGMAS:
            conn.execute(pragma)
    except sqlite3.Error as exc:
        raise error(f"{what} {path}: cannot open: {exc}") from exc
    return conn
