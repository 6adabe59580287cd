"""The scheduler's leader lock on SQLite: an exclusive ``flock`` on a file beside the store.

The operating system releases the lock when its holder exits, however it ends. The holder
writes its node name and since when it leads into the file (for the fleet page). A store in
memory has one process: that process always leads. SQLite is one host's store, so this
lock never needs to cross hosts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
from pathlib import Path
from typing import IO

from orchestrator.scheduler.leadership import SchedulerNode

__all__ = ["FileLock", "file_nodes", "lock_path"]


def lock_path(database: str | None) -> Path | None:
    """``<database>.scheduler.lock``, or ``None`` for a store in memory."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(f"{Path(database).expanduser()}.scheduler.lock")


class FileLock:
    """:class:`~orchestrator.scheduler.leadership.LeaderLock` on a file (``None``: in memory)."""

    def __init__(self, path: Path | None, node: str) -> None:
        self.path, self.node = path, node
        self._file: IO[str] | None = None

    def try_hold(self) -> bool:
        if self.path is None or self._file is not None:
            return True
        try:  # owner-only, like the store's other side files
            handle = os.fdopen(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), "r+")
        except OSError:
            return False
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"node": self.node, "pid": os.getpid(),
                                 "since": dt.datetime.now(dt.UTC).isoformat()}))
        handle.flush()
        self._file = handle
        return True

    def release(self) -> None:
        handle, self._file = self._file, None
        if handle is not None:
            with contextlib.suppress(OSError):
                handle.seek(0)
                handle.truncate()
            handle.close()  # closing the file releases the lock

    def holder(self) -> str | None:
        nodes = file_nodes(self.path)
        return nodes[0].node if nodes else None


def file_nodes(path: Path | None) -> list[SchedulerNode]:
    """The leader named in the lock file, if the file is locked."""
    if path is None or not path.is_file():
        return []
    with path.open("r") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:  # held: someone leads
            pass
        else:
            return []  # nobody holds it (the shared lock ends with the file)
        try:
            info = json.loads(handle.read() or "{}")
        except ValueError:
            info = {}
    since = info.get("since")
    return [SchedulerNode(node=str(info.get("node") or "?"), leads=True,
                          since=dt.datetime.fromisoformat(since) if since else None)]
