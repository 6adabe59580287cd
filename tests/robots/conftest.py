"""Robots and jobs: the store fixtures of tests/store (SQLite and PostgreSQL) and the finbots
home of tests/e2e, loaded from their files (``tests`` is not a package here); the sandbox
targets are the session's (tests/conftest.py).
Helpers for robot processes: :mod:`robothelp`.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
# the tiny test bots (``robot_testbots:NAME``) import by module name, here and in robots
sys.path.insert(0, str(HERE))


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


_store = _load(TESTS / "store" / "conftest.py", "finbots_tests_store_fixtures")
_e2e = _load(TESTS / "e2e" / "conftest.py", "finbots_tests_e2e_fixtures")

db_url = _store.db_url
store = _store.store
home = _e2e.home

