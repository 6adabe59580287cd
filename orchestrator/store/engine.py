"""Engine creation: one URL, SQLite or PostgreSQL, each set up the way the store needs it.

SQLite: WAL journal (readers never block the writer), ``busy_timeout`` (a writer waits for
the lock instead of failing), foreign keys on, and transactions opened by the store itself
so that a write can start with ``BEGIN IMMEDIATE`` (take the write lock before reading).
PostgreSQL (psycopg 3): a connection pool with pre-ping. A SQLite file is made readable by
its owner only (:mod:`orchestrator.store.sqlite_files`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import Connection

from orchestrator.store.sqlite_files import private_sqlite_file

__all__ = ["BUSY_TIMEOUT_MS", "IMMEDIATE", "make_engine", "normalize_url"]

#: Connection execution option asking for ``BEGIN IMMEDIATE`` on SQLite.
IMMEDIATE = "finbots_sqlite_immediate"
BUSY_TIMEOUT_MS = 30_000
#: PostgreSQL ends a session left idle inside a transaction for this long. A process whose
#: host was cut off mid-transaction would otherwise keep its row locks and the job-claim
#: lock (every robot's claims wait on it) until TCP notices, which can take hours. The
#: store's transactions are short; an ``options`` parameter in the URL replaces this.
PG_IDLE_IN_TRANSACTION_MS = 15_000


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
    return create_engine(url, pool_size=5, max_overflow=10, pool_pre_ping=True,
                         connect_args=session)


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
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
