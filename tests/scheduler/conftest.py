"""Scheduler tests: the store contract fixtures (SQLite file and PostgreSQL) plus helpers.

``db_url`` / ``store`` come from tests/store/conftest.py (loaded by path: the ``tests``
package name is taken by an installed package); ``pg_url`` from tests/conftest.py.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from storeharness import new_sqlite_store

from orchestrator.store import Store

sys.path.insert(0, str(Path(__file__).parent))  # schedhelp, fire_worker

_spec = importlib.util.spec_from_file_location(
    "finbots_store_contract_fixtures", Path(__file__).parents[1] / "store" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)
db_url, store = _fixtures.db_url, _fixtures.store


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """For the live-loop tests: SQLite only (the store contract runs on both backends)."""
    s = new_sqlite_store(tmp_path / "finbots.db")
    try:
        yield s
    finally:
        s.close()
