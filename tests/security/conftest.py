"""Fixtures for the security tests: a store on a SQLite file (and PostgreSQL when reachable),
the web app on it, and one API token per role.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from orchestrator.app import create_app
from orchestrator.auth import service as accounts
from orchestrator.roles import Role
from orchestrator.store import Store

PASSWORD = "correct-horse-battery-staple"
PG_SERVER = os.environ.get("FINBOTS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SQLite file the CLI (``FINBOTS_DB_URL``) and the tests share."""
    path = tmp_path / "finbots.db"
    monkeypatch.setenv("FINBOTS_DB_URL", f"sqlite:///{path}")
    monkeypatch.setenv("FINBOTS_HOME", str(tmp_path))
    monkeypatch.setenv("FINBOTS_ACTOR", "tester")
    return path


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{db_path}")
    yield s
    s.close()


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store), base_url="http://testserver") as c:
        yield c


@dataclass
class RoleApp:
    """One app on one store, with a bearer token per role (token name = role name)."""

    app: FastAPI
    store: Store
    tokens: dict[str, str]

    def client(self, role: str | None) -> TestClient:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return TestClient(self.app, headers=headers, raise_server_exceptions=False,
                          follow_redirects=False)


@pytest.fixture(scope="module")
def role_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RoleApp]:
    path = tmp_path_factory.mktemp("roles") / "finbots.db"
    store = Store(f"sqlite:///{path}")
    tokens = {}
    for role in Role:
        kind = "robot" if role is Role.ROBOT else "integration"
        tokens[role.value] = accounts.create_token(store, role.value, [role.value], kind=kind)[1]
    yield RoleApp(create_app(store), store, tokens)
    store.close()
