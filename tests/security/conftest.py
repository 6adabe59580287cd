"""Fixtures for the security tests: a store on a SQLite file (and PostgreSQL when reachable),
the web app on it, one API token per role, and signing in through the login form.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from storeharness import new_sqlite_store

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
    s = new_sqlite_store(db_path)
    yield s
    s.close()


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store), base_url="http://testserver") as c:
        yield c


def _bearer(store: Store, role: str) -> dict[str, str]:
    owner = "admin-t" if role == Role.ROBOT.value else f"{role}-t"
    if store.find_user(owner) is None:
        accounts.add_user(store, owner, PASSWORD, ["admin" if role == Role.ROBOT.value else role])
    kind = "robot" if role == Role.ROBOT.value else "integration"
    plain = accounts.create_token(store, f"{role}-t", [role], kind=kind, owner=owner)[1]
    return {"Authorization": f"Bearer {plain}"}


@pytest.fixture
def bearer(store: Store) -> Callable[[str], dict[str, str]]:
    """``bearer(role)``: headers with a new token ``<role>-t`` holding ``role``, owned by a
    user ``<role>-t`` who holds it too (a robot token: owned by the administrator
    ``admin-t``)."""
    return lambda role: _bearer(store, role)


def form_token(page: httpx.Response) -> str:
    """The CSRF token of the sign-in form on ``page``."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "the sign-in form carries no CSRF token"
    return found.group(1)


def _sign_in(client: TestClient, user: str, password: str = PASSWORD, next_: str = "/"
             ) -> httpx.Response:
    token = form_token(client.get("/login"))
    return client.post("/login", data={"username": user, "password": password,
                                       "next": next_, "csrf_token": token},
                       follow_redirects=False)


@pytest.fixture
def sign_in() -> Callable[..., httpx.Response]:
    """``sign_in(client, user, password, next_)``: open the sign-in page, then send its
    form as a browser would (the redirect is not followed)."""
    return _sign_in


@dataclass
class RoleApp:
    """One app on one store, with a bearer token per role (token name = role name), each
    owned by a user of the same name holding that role (the robot's by ``admin``)."""

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
        if role is not Role.ROBOT:
            accounts.add_user(store, role.value, PASSWORD, [role.value])
    for role in Role:
        kind, owner = ("robot", "admin") if role is Role.ROBOT else ("integration", role.value)
        tokens[role.value] = accounts.create_token(store, role.value, [role.value], kind=kind,
                                                   owner=owner)[1]
    yield RoleApp(create_app(store), store, tokens)
    store.close()
