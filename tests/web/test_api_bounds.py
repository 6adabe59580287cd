"""Huge and negative integers in every integer parameter of every API operation: a 4xx,
never a server error (SQLite refuses integers beyond 64 bits with an exception)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from orchestrator.app import create_app
from orchestrator.auth import service as accounts
from orchestrator.store import Store

pytestmark = pytest.mark.web

HUGE = (2**70, -(2**70))


def _operations() -> list[tuple[str, str, list[dict[str, Any]]]]:
    document = create_app(Store("sqlite://")).openapi()
    found = []
    for path, item in document["paths"].items():
        for method, op in item.items():
            params = op.get("parameters", [])
            if any(_is_int(p) for p in params):
                found.append((method.upper(), path, params))
    return found


def _is_int(param: dict[str, Any]) -> bool:
    schema = param.get("schema", {})
    kinds = [schema.get("type")] + [s.get("type") for s in schema.get("anyOf", [])]
    return "integer" in kinds


OPERATIONS = _operations()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    base: Path = tmp_path_factory.mktemp("bounds")
    store = Store(f"sqlite:///{base / 'finbots.db'}")
    app = create_app(store)
    app.state.runs_dir = base / "runs"
    accounts.add_user(store, "bounds-admin", "bounds-admin-pw", ["admin"])
    _record, token = accounts.create_token(store, "bounds-admin", ["admin"], owner="bounds-admin")
    return TestClient(app, headers={"Authorization": f"Bearer {token}"},
                      raise_server_exceptions=False)


@pytest.mark.parametrize(("method", "path", "params"), OPERATIONS,
                         ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_huge_integers_are_refused_not_crashed(
    client: Any, method: str, path: str, params: list[dict[str, Any]],
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FINBOTS_HOME", str(tmp_path))
    monkeypatch.setenv("FINBOTS_MASTER_KEY", Fernet.generate_key().decode())
    for huge in HUGE:
        url, query = path, {}
        for p in params:
            value: Any = huge if _is_int(p) else "x"
            if p["in"] == "path":
                url = url.replace("{" + p["name"] + "}", str(value))
            elif p["in"] == "query" and (_is_int(p) or p.get("required")):
                query[p["name"]] = value
        response = client.request(method, f"/api/v1{url}" if not url.startswith("/api")
                                  else url, params=query, json={} if method != "GET" else None)
        assert response.status_code < 500, f"{method} {url} {query}: {response.status_code}"
