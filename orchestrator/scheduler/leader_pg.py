"""The scheduler's leader lock on PostgreSQL: a session-level advisory lock.

The lock lives on a connection of its own (autocommit), named in ``application_name``
(``finbots-scheduler|<node>|<epoch it took the lead>``) so that every node, and the fleet
page, can read who leads from ``pg_locks`` and ``pg_stat_activity`` without a table.

The holder runs ``SELECT 1`` on that connection at every beat, which moves the session's
``state_change`` (server time, so no clock of any node matters). A standby node that finds
the holder's session quiet for longer than the lease ends it (``pg_terminate_backend``:
the same database role, or one granted ``pg_signal_backend``), which releases the lock; a
holder whose process died loses it at once, with its session.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from typing import Any

import psycopg
from loguru import logger
from sqlalchemy import Engine

from orchestrator.scheduler.leadership import SchedulerNode

__all__ = ["APP_PREFIX", "LOCK_KEY", "PgAdvisoryLock", "pg_nodes"]

#: The advisory lock's two 32-bit keys ("finb", "sche").
LOCK_KEY = (0x66696E62, 0x73636865)
APP_PREFIX = "finbots-scheduler|"

_HOLDER = """
SELECT a.pid, a.application_name,
       EXTRACT(EPOCH FROM clock_timestamp() - a.state_change)::float8
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
  AND l.classid = %s AND l.objid = %s
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""

_NODES = """
SELECT a.application_name, host(a.client_addr),
       EXTRACT(EPOCH FROM clock_timestamp() - a.state_change)::float8,
       EXISTS (SELECT 1 FROM pg_locks l
               WHERE l.pid = a.pid AND l.locktype = 'advisory' AND l.granted
                 AND l.objsubid = 2 AND l.classid = %s AND l.objid = %s)
FROM pg_stat_activity a
WHERE a.datname = current_database() AND a.application_name LIKE 'finbots-scheduler|%%'
"""


def _app_name(node: str, since: float | None) -> str:
    return f"{APP_PREFIX}{node}|{int(since) if since else ''}"[:63]


def _parse_app_name(name: str) -> tuple[str, dt.datetime | None]:
    _, node, since = ([*name.split("|"), "", ""])[:3]
    when = dt.datetime.fromtimestamp(int(since), dt.UTC) if since.isdigit() else None
    return node, when


def _conninfo(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class PgAdvisoryLock:
    """:class:`~orchestrator.scheduler.leadership.LeaderLock` on PostgreSQL."""

    def __init__(self, engine: Engine, node: str, lease_seconds: float) -> None:
        self.conninfo, self.node, self.lease_seconds = _conninfo(engine), node, lease_seconds
        self._conn: psycopg.Connection[Any] | None = None
        self._held = False
        self._holder: str | None = None

    def try_hold(self) -> bool:
        try:
            conn = self._connect()
            if self._held:
                conn.execute("SELECT 1")  # the beat: our session's state_change moves on
                return True
            self._end_silent_holder(conn)
            row = conn.execute("SELECT pg_try_advisory_lock(%s, %s)", LOCK_KEY).fetchone()
            if row is None or not row[0]:
                return False
            conn.execute("SELECT set_config('application_name', %s, false)",
                         (_app_name(self.node, time.time()),))
            self._held, self._holder = True, self.node
            return True
        except psycopg.Error as exc:
            logger.warning("scheduler: leader lock on PostgreSQL unavailable: {}",
                           str(exc).strip().splitlines()[0] if str(exc).strip() else exc)
            self._drop()
            return False

    def release(self) -> None:
        conn, held = self._conn, self._held
        if conn is not None and held:
            with contextlib.suppress(psycopg.Error):  # closing the session releases it anyway
                conn.execute("SELECT pg_advisory_unlock(%s, %s)", LOCK_KEY)
        self._drop()

    def holder(self) -> str | None:
        return self._holder

    def _connect(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(
                self.conninfo, autocommit=True, connect_timeout=5,
                application_name=_app_name(self.node, None),
                keepalives=1, keepalives_idle=2, keepalives_interval=1, keepalives_count=3,
                tcp_user_timeout=int(self.lease_seconds * 1000))
            self._held = False
        return self._conn

    def _drop(self) -> None:
        conn, self._conn, self._held = self._conn, None, False
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                conn.close()

    def _end_silent_holder(self, conn: psycopg.Connection[Any]) -> None:
        """Note who holds the lock; end its session when it has been quiet too long."""
        row = conn.execute(_HOLDER, LOCK_KEY).fetchone()
        if row is None:
            self._holder = None
            return
        pid, app_name, quiet = row
        self._holder = _parse_app_name(app_name or "")[0] or f"session {pid}"
        if quiet is not None and quiet > self.lease_seconds:
            logger.warning("scheduler: leader {} silent for {:.1f} s; ending its lock session "
                           "(pid {}) to take over", self._holder, quiet, pid)
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))


def pg_nodes(engine: Engine) -> list[SchedulerNode]:
    """The nodes with a leadership connection open, from ``pg_stat_activity``."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(_NODES, LOCK_KEY).fetchall()
    nodes = []
    for app_name, address, quiet, leads in rows:
        node, since = _parse_app_name(app_name)
        nodes.append(SchedulerNode(node=node, leads=bool(leads), since=since if leads else None,
                                   address=address, quiet_seconds=quiet))
    return nodes
