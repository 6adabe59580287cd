"""The store contract runs on every backend: a SQLite file and a PostgreSQL database.

PostgreSQL: a fresh database per test session on 127.0.0.1:5432 (user ``postgres``),
emptied between tests and dropped at the end; skipped with the reason when unreachable.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

from orchestrator.store import Store

PG_SERVER = os.environ.get("FINBOTS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    admin = create_engine(
        f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        admin.dispose()
        first_line = str(getattr(exc, "orig", exc)).splitlines()[0]
        pytest.skip(f"PostgreSQL not reachable at {PG_SERVER}: {first_line}")
    name = f"finbots_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _empty_pg(store: Store) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with store.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL for an empty store, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'finbots.db'}"
    url: str = request.getfixturevalue("pg_url")
    store = Store(url)
    _empty_pg(store)
    store.close()
    return url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def queue(store: Store) -> str:
    store.ensure_queue("payments", max_retries=2, lease_seconds=30)
    return "payments"
