"""The store contract runs on every backend: a SQLite file and a PostgreSQL database.

PostgreSQL: the session's throw-away database (``pg_url`` in tests/conftest.py), emptied
before each test; skipped with the reason when unreachable.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from storeharness import new_sqlite_store

from orchestrator.store import Store


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL for an empty store, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'finbots.db'}"
    url: str = request.getfixturevalue("empty_pg_url")  # tests/conftest.py
    return url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    sqlite_file = db_url.removeprefix("sqlite:///")
    s = new_sqlite_store(Path(sqlite_file)) if sqlite_file != db_url else Store(db_url)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def queue(store: Store) -> str:
    store.ensure_queue("payments", max_retries=2, lease_seconds=30)
    return "payments"
