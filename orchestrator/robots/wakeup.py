"""A robot's ears: wake its loop the moment a job can be claimed.

PostgreSQL: a connection of its own ``LISTEN``\\ s on :data:`~orchestrator.store.job_signal.
CHANNEL` (reconnecting after a second when the server goes away). SQLite: the kernel tells
(inotify, :mod:`.inotify`) when the wake-up file next to the database is touched; where it
cannot, the file is looked at every ``WATCH_SECONDS``. Either way the robot still polls
every ``poll_seconds``: a lost notification costs one poll, never a job.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

from loguru import logger
from sqlalchemy import Engine

from orchestrator.robots.inotify import FileTouches
from orchestrator.store.job_signal import CHANNEL, conninfo, wake_file

__all__ = ["WATCH_SECONDS", "JobWakeups"]

#: How often a SQLite robot looks at the wake-up file (a ``stat`` call) without inotify.
WATCH_SECONDS = 0.01
_STOP_CHECK_SECONDS = 0.25  # inotify: how long one wait lasts before it checks for stop
_RECONNECT_SECONDS = 1.0


class JobWakeups(threading.Thread):
    """Calls ``wake`` whenever a job was created or freed a slot (from its own thread)."""

    def __init__(self, engine: Engine, wake: Callable[[], None]) -> None:
        super().__init__(name="job-wakeups", daemon=True)
        self.engine, self.wake = engine, wake
        self._done = threading.Event()
        self.listening = threading.Event()  # set once notifications can arrive

    def stop(self) -> None:
        self._done.set()
        self.join(5)

    def run(self) -> None:
        if self.engine.dialect.name == "postgresql":
            self._listen()
            return
        path = wake_file(self.engine)
        if path is not None:
            self._watch(path)

    def _watch(self, path: Path) -> None:
        try:
            touches = FileTouches(path)
        except OSError as exc:
            logger.info("no inotify for {} ({}): looking at it every {} s", path, exc,
                        WATCH_SECONDS)
            self._poll_mtime(path)
            return
        self.listening.set()
        try:
            while not self._done.is_set():
                if touches.wait(_STOP_CHECK_SECONDS):
                    self.wake()
        finally:
            touches.close()

    def _poll_mtime(self, path: Path) -> None:
        seen = _mtime(path)
        self.listening.set()
        while not self._done.wait(WATCH_SECONDS):
            now = _mtime(path)
            if now != seen:
                seen = now
                self.wake()

    def _listen(self) -> None:
        import psycopg

        while not self._done.is_set():
            try:
                with psycopg.connect(conninfo(self.engine), autocommit=True,
                                     connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    self.wake()  # a job created while not listening is not missed
                    while not self._done.is_set():
                        for _ in conn.notifies(timeout=0.5, stop_after=1):
                            self.wake()
            except Exception as exc:  # the server went away: the robot polls meanwhile
                self.listening.clear()
                logger.warning("job notifications interrupted: {}", exc)
                self._done.wait(_RECONNECT_SECONDS)


def _mtime(path: Path) -> int:
    with contextlib.suppress(OSError):
        return os.stat(path).st_mtime_ns
    return 0
