"""Empty databases of their own for tests that build a store's schema themselves.

The session's PostgreSQL database (``pg_url``) already holds the store's tables; migration,
backup and restore tests need databases with nothing in them, one per test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

PG_SERVER = os.environ.get("FINBOTS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


@contextmanager
def scratch_pg() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards (skip if none)."""
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT",
                          connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {PG_SERVER}: {str(exc).splitlines()[0]}")
    name = f"finbots_scratch_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def scratch_db(backend: str, folder: Path, name: str = "finbots.db") -> Iterator[str]:
    """An empty database of ``backend`` ("sqlite": a file in ``folder``, or "postgres")."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / name}"
        return
    with scratch_pg() as url:
        yield url
