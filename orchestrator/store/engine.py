"""Engine creation: one URL, SQLite or PostgreSQL, each set up the way the store needs it.

SQLite: WAL journal (readers never block the writer), ``busy_timeout`` (a writer waits for
the lock instead of failing), foreign keys on, and transactions opened by the store itself
so that a write can start with ``BEGIN IMMEDIATE`` (take the write lock before reading).
PostgreSQL (psycopg 3): a connection pool that pings connections idle for a second or more.
A SQLite file is made readable by its owner only (:mod:`orchestrator.store.sqlite_files`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DisconnectionError

from orchestrator.store.sqlite_files import private_sqlite_file

__all__ = ["BUSY_TIMEOUT_MS", "IMMEDIATE", "make_engine", "normalize_url"]

#: Connection execution option asking for ``BEGIN IMMEDIATE`` on SQLite.
IMMEDIATE = "finbots_sqlite_immediate"
BUSY_TIMEOUT_MS = 30_000
#: Pages a SQLite connection may keep in memory, in KiB (SQLite's default is 2 MiB): the
#: inbox reads cases scattered over the whole table (a filter, a page of search results),
#: and a case of a few KiB no longer comes back from the operating system page by page
#: on every request. A connection takes the memory only as it reads.
SQLITE_CACHE_KIB = 65_536
#: PostgreSQL ends a session left idle inside a transaction for this long. A process whose
#: host was cut off mid-transaction would otherwise keep its row locks and the job-claim
#: lock (every robot's claims wait on it) until TCP notices, which can take hours. The
#: store's transactions are short; an ``options`` parameter in the URL replaces this.
PG_IDLE_IN_TRANSACTION_MS = 15_000
#: A pooled PostgreSQL connection idle this long (seconds) is pinged before it is used.
PING_AFTER_IDLE_S = 1.0


def normalize_url(url: str) -> str:
    """Pin PostgreSQL URLs to the psycopg 3 driver (``postgresql://`` → ``+psycopg``)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, foreign_keys: bool = True) -> Engine:
    """The store's engine for ``url``.

    ``foreign_keys=False`` (SQLite only) is for schema migrations: a table rebuilt by a
    migration is dropped and renamed, which with foreign keys on would cascade deletes to
    the rows that point at it. Migrations check the keys themselves afterwards.
    """
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database, foreign_keys=foreign_keys)
    session = ({} if "options" in parsed.query else
               {"options": f"-c idle_in_transaction_session_timeout={PG_IDLE_IN_TRANSACTION_MS}"})
    return _pg_engine(url, session)


def _pg_engine(url: str, connect_args: dict[str, Any]) -> Engine:
    """A pool that pings a connection only when it sat idle for ``PING_AFTER_IDLE_S``: a
    connection used a moment ago is not asked ``SELECT 1`` before every statement (a round
    trip a busy robot's claims would pay each time), one the server may have dropped while
    it waited is, and is replaced when it does not answer. The pool hands out the
    connection used last (LIFO): a robot's claim after a notification gets the one its
    last poll used, not one its heartbeat left seconds ago, which would be pinged."""
    engine = create_engine(url, pool_size=5, max_overflow=10, pool_use_lifo=True,
                           connect_args=connect_args)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the pool replaces it and checks out again
            raise DisconnectionError(f"connection lost while idle: {exc}") from exc

    return engine


def _sqlite_engine(url: str, database: str | None, *, foreign_keys: bool = True) -> Engine:
    if database and database != ":memory:" and not database.startswith("file:"):
        private_sqlite_file(Path(database).expanduser())
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver must not open transactions itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
