"""Inbox fixtures: a store per backend, the shared live server and its users and pages."""

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

from webharness import api, live_server, page, page_as, users  # noqa: E402,F401


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
        s = new_sqlite_store(tmp_path / "finbots.db")
    else:
        s = Store(request.getfixturevalue("empty_pg_url"))  # tests/conftest.py
    s.approval_threshold = "100.00"  # type: ignore[assignment]
    try:
        yield s
    finally:
        s.close()
