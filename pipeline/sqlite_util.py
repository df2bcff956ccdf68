"""One way to open the project's SQLite files: WAL, a busy timeout, and clear errors."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


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
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
    except sqlite3.Error as exc:
        raise error(f"{what} {path}: cannot open: {exc}") from exc
    return conn
