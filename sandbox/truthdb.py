"""The base of a sandbox target's ground-truth database (plain SQLite, autocommit)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class TruthDb:
    """One SQLite file; each :meth:`connect` is a short-lived connection (threads, reloads)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        conn.row_factory = sqlite3.Row
        # A simulated target's throw-away data: no fsync on each commit. A reset recreates
        # every table in autocommit (one fsync a statement): 0.5-0.8 s a target on a busy
        # disk, 0.05-0.15 s without. A crash of the process still loses nothing committed.
        conn.execute("PRAGMA synchronous = OFF")
        try:
            yield conn
        finally:
            conn.close()
