"""Inbox fixtures: a store per backend, the shared live server and its users and pages."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

from orchestrator.store import Store

_HERE = Path(__file__).resolve().parent
for folder in (_HERE, _HERE.parent / "web"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from webharness import api, live_server, page, page_as, users  # noqa: E402,F401

PG_SERVER = os.environ.get("FINBOTS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


@pytest.fixture(scope="session")
def inbox_pg_url() -> Iterator[str]:
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT",
                          connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {PG_SERVER}: {str(exc).splitlines()[0]}")
    name = f"finbots_inbox_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store on SQLite and on PostgreSQL; approvals above 100.00."""
    yield from _store(request.param, request, tmp_path)


@pytest.fixture
def sqlite_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The same on SQLite only, for rules that do not depend on the backend."""
    yield from _store("sqlite", request, tmp_path)


def _store(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if backend == "sqlite":
        s = Store(f"sqlite:///{tmp_path / 'finbots.db'}")
    else:
        s = Store(request.getfixturevalue("inbox_pg_url"))
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with s.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    s.approval_threshold = "100.00"  # type: ignore[assignment]
    try:
        yield s
    finally:
        s.close()
