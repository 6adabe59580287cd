"""``POST /api/v1/queues/{queue}/items``: many items in one call (a JSON list or JSON Lines),
each bad item named with nothing added, live references skipped, size limits, the role's
permission checked before the body is read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orchestrator.app import create_app
from orchestrator.auth import service as accounts
from orchestrator.services import item_batch
from orchestrator.store import Store

pytestmark = pytest.mark.web


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, dict[str, TestClient]]:
    base: Path = tmp_path_factory.mktemp("batch")
    store = Store(f"sqlite:///{base / 'finbots.db'}")
    store.ensure_queue("invoices", max_retries=0)
    app = create_app(store)
    clients = {}
    for role in ("developer", "support"):
        accounts.add_user(store, f"batch-{role}", f"batch-{role}-pw", [role])
        _record, token = accounts.create_token(store, f"batch-{role}", [role],
                                               owner=f"batch-{role}")
        clients[role] = TestClient(app, headers={"Authorization": f"Bearer {token}"},
                                   raise_server_exceptions=False)
    return store, clients


def test_ten_thousand_items_as_a_json_list(served: Any) -> None:
    store, clients = served
    items = [{"reference": f"API-{n:05d}", "payload": {"amount": "1.00"}}
             for n in range(10_000)]
    answer = clients["developer"].post("/api/v1/queues/invoices/items", json=items)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["added"] == 10_000 and len(body["ids"]) == 10_000 and body["skipped"] == []
    assert store.find_item("invoices", "API-09999") is not None
    audit = store.list_audit(action="items.add")
    assert audit[0].actor == "batch-developer" and audit[0].details["added"] == 10_000


def test_bad_items_are_named_and_nothing_is_added(served: Any) -> None:
    store, clients = served
    before = store.queue_counts().get("invoices", {}).get("new", 0)
    answer = clients["developer"].post("/api/v1/queues/invoices/items", json=[
        {"reference": "OK-1"}, {"reference": "X", "priority": "high"}, {"payload": {}}])
    assert answer.status_code == 422
    problems = answer.json()["detail"]["problems"]
    assert [p.split(":")[0] for p in problems] == ["request body item 2", "request body item 3"]
    assert store.queue_counts()["invoices"].get("new", 0) == before


def test_json_lines_and_live_references_skipped(served: Any) -> None:
    _store, clients = served
    lines = "\n".join(json.dumps({"reference": r}) for r in ("L-1", "L-2", "L-1"))
    answer = clients["developer"].post("/api/v1/queues/invoices/items", content=lines,
                                       headers={"Content-Type": "application/x-ndjson"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["skipped"] == [{"at": "line 3", "reference": "L-1"}]
    unknown = clients["developer"].post("/api/v1/queues/nope/items", json=[{"reference": "Z"}])
    assert unknown.status_code == 404


def test_too_large_a_body_is_refused(served: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _store, clients = served
    monkeypatch.setattr(item_batch, "MAX_BYTES", 100)
    answer = clients["developer"].post("/api/v1/queues/invoices/items",
                                       json=[{"reference": f"BIG-{n}"} for n in range(20)])
    assert answer.status_code == 413


def test_a_role_without_queue_writes_is_refused(served: Any) -> None:
    _store, clients = served
    answer = clients["support"].post("/api/v1/queues/invoices/items", json=[{"reference": "S"}])
    assert answer.status_code == 403
