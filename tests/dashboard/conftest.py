"""Dashboard fixtures: a store per backend holding the seeded history, and a live server
of its own (its figures must be those of the seed alone)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from storeharness import new_sqlite_store

from orchestrator.store import Store

_HERE = Path(__file__).resolve().parent
for folder in (_HERE, _HERE.parent / "web"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        s = new_sqlite_store(tmp_path / "finbots.db")
    else:
        s = Store(request.getfixturevalue("empty_pg_url"))  # tests/conftest.py
    try:
        yield s
    finally:
        s.close()
