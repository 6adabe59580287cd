"""Telling idle robots that a job is waiting, so that none has to poll for it.

PostgreSQL: ``NOTIFY finbots_jobs`` inside the transaction that creates (or frees a slot for)
a job; the server delivers it to every robot listening, on every host, once the transaction
commits. SQLite: every process using the store is on its host, so the store touches a file
next to the database (``<database>-jobs``) once that transaction has committed; robots watch
its modification time (a ``stat`` call costs microseconds).
:class:`~orchestrator.robots.wakeup.JobWakeups` is the listening side.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from sqlalchemy import Engine, event, text
from sqlmodel import Session

__all__ = ["CHANNEL", "conninfo", "signal_jobs", "wake_file"]

#: The PostgreSQL notification channel of new jobs.
CHANNEL = "finbots_jobs"


def wake_file(engine: Engine) -> Path | None:
    """The SQLite store's wake-up file; None for PostgreSQL or a database without a file."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(f"{Path(database).expanduser()}-jobs")


def conninfo(engine: Engine) -> str:
    """A libpq connection string for a listening connection of ``engine``'s database."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def signal_jobs(s: Session) -> None:
    """Wake the robots once the session's transaction commits (a job can be claimed)."""
    if s.get_bind().dialect.name == "postgresql":
        s.connection().execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
        return
    path = wake_file(s.get_bind().engine)  # type: ignore[union-attr]
    if path is not None:
        event.listen(s, "after_commit", lambda _s: _touch(path), once=True)


def _touch(path: Path) -> None:
    """Set the file's modification time to now (created owner-only when missing)."""
    with contextlib.suppress(OSError):  # no robot can be told: they poll
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        now = time.time_ns()
        os.utime(path, ns=(now, now))
