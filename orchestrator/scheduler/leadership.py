"""Scheduler leadership: of several orchestrator nodes on one store, one fires schedules.

Every ``finbots serve`` node runs a :class:`Leadership` thread next to its scheduler. Each
beat (every ``beat_seconds``) it asks the store's :class:`LeaderLock` to take or keep the
lock; the scheduler ticks only while :attr:`Leadership.leading` is true, i.e. while the
lock was confirmed within ``lease_seconds``. The locks:

* PostgreSQL (:mod:`.leader_pg`): a session-level advisory lock held on a connection of its
  own. A node that dies releases it at once (its session ends); a node that stops
  answering (frozen process, host cut off) holds it until a standby node sees the lock
  session quiet for ``lease_seconds`` and ends that session, so a takeover takes at most
  ``lease_seconds`` plus two beats.
* SQLite (:mod:`.leader_file`): an exclusive ``flock`` on a file beside the database, which
  the operating system releases when the holder dies (one host only, as SQLite is).

Leadership saves work and makes the fleet's state readable; it is not what keeps a fire
from running twice. A fire is a conditional update of the schedule's next fire time
(:mod:`orchestrator.store.schedule_fires`), so an old leader that has not yet noticed it
lost the lock cannot double a fire the new one made, and fires due during a takeover run
late under the schedule's misfire policy.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from loguru import logger

if TYPE_CHECKING:
    from orchestrator.store import Store

__all__ = ["DEFAULT_LEASE_SECONDS", "LeaderLock", "Leadership", "SchedulerNode", "leader_lock",
           "node_name", "scheduler_nodes"]

#: How long a leader may stay silent before a standby node takes its lock.
DEFAULT_LEASE_SECONDS = 6.0
NODE_NAME_MAX = 40


def node_name() -> str:
    """This node's name: ``FINBOTS_NODE``, else the host name (at most 40 characters)."""
    name = (os.environ.get("FINBOTS_NODE") or socket.gethostname()).strip()
    return name[:NODE_NAME_MAX] or "node"


@dataclass(frozen=True)
class SchedulerNode:
    """An orchestrator node taking part in the leadership, as the store sees it."""

    node: str
    leads: bool
    since: dt.datetime | None = None  # when it took the lead
    address: str | None = None  # where it connects from (PostgreSQL)
    quiet_seconds: float | None = None  # since its last beat (PostgreSQL)


class LeaderLock(Protocol):
    """The store-specific lock; :func:`leader_lock` picks one."""

    def try_hold(self) -> bool:
        """Take the lock, or confirm it is still held; ``False`` when another node holds it
        or the store cannot be reached. Never raises."""

    def release(self) -> None:
        """Let the lock go (idempotent)."""

    def holder(self) -> str | None:
        """The node the lock was last seen held by (``None``: nobody, or not known)."""


def leader_lock(store: Store, node: str, lease_seconds: float = DEFAULT_LEASE_SECONDS
                ) -> LeaderLock:
    """The lock for ``store``'s backend."""
    if store.dialect == "postgresql":
        from orchestrator.scheduler.leader_pg import PgAdvisoryLock

        return PgAdvisoryLock(store.engine, node, lease_seconds)
    from orchestrator.scheduler.leader_file import FileLock, lock_path

    return FileLock(lock_path(store.engine.url.database), node)


def scheduler_nodes(store: Store) -> list[SchedulerNode]:
    """The nodes taking part (PostgreSQL: every node; SQLite: the leader), leader first."""
    if store.dialect == "postgresql":
        from orchestrator.scheduler.leader_pg import pg_nodes

        nodes = pg_nodes(store.engine)
    else:
        from orchestrator.scheduler.leader_file import file_nodes, lock_path

        nodes = file_nodes(lock_path(store.engine.url.database))
    return sorted(nodes, key=lambda n: (not n.leads, n.node))


class Leadership:
    """A thread that keeps trying to lead; :attr:`leading` says whether this node does."""

    def __init__(self, lock: LeaderLock, node: str, *, beat_seconds: float = 1.0,
                 lease_seconds: float = DEFAULT_LEASE_SECONDS) -> None:
        if beat_seconds <= 0 or lease_seconds <= beat_seconds:
            raise ValueError("need 0 < beat_seconds < lease_seconds")
        self.lock, self.node = lock, node
        self.beat_seconds, self.lease_seconds = beat_seconds, lease_seconds
        self._confirmed_at: float | None = None  # monotonic time of the last confirmation
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._was_leading = False

    @property
    def leading(self) -> bool:
        """Whether this node leads: the lock was confirmed within ``lease_seconds``."""
        confirmed = self._confirmed_at
        return confirmed is not None and time.monotonic() - confirmed < self.lease_seconds

    def beat(self) -> bool:
        """Take or keep the lock once; returns :attr:`leading`. Logs every change."""
        if self.lock.try_hold():
            self._confirmed_at = time.monotonic()
        else:
            self._confirmed_at = None
        leading = self.leading
        if leading != self._was_leading:
            if leading:
                logger.info("scheduler: node {} leads; schedules fire here", self.node)
            else:
                logger.warning("scheduler: node {} no longer leads; standing by", self.node)
        self._was_leading = leading
        return leading

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="finbots-leadership",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop trying and let the lock go (another node takes over at its next beat)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        self._thread = None
        self._confirmed_at = None
        self.lock.release()
        if self._was_leading:
            logger.info("scheduler: node {} stepped down", self.node)
        self._was_leading = False

    def _run(self) -> None:
        holder_seen: str | None = None
        while not self._stop.is_set():
            try:
                leading = self.beat()
                holder = None if leading else self.lock.holder()
                if holder and holder != holder_seen:
                    logger.info("scheduler: node {} stands by; {} leads", self.node, holder)
                holder_seen = holder
            except Exception:  # a bug here must not end the thread: the node would stay idle
                logger.exception("scheduler: leadership beat failed")
            self._stop.wait(self.beat_seconds)
