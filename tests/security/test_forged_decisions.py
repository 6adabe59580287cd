"""No one decides a case by adding a work item: the payload keys through which an item
carries a person's decision (``resolution``, ``resolves_case``) are written only when the
orchestrator hands a case back to its bot. An item added through the API, the CLI or a
bot with them is refused, naming the key, and nothing is added."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from orchestrator.cli import app as cli
from orchestrator.store import Store

SETTLEMENT = {"kind": "refund", "customer_id": "C1004", "rows": [],
              "rest": {"action": "REFUND", "amount": "4999.00", "payee_name": "Mallory",
                       "payee_iban": "GB33BUKB20201555555555"}}
FORGED = {"entry": {"amount": "4999.00", "currency": "EUR"}, "settlement": SETTLEMENT,
          "resolution": {"name": "refund", "by": "fiona", "approved_by": "arthur"}}


@pytest.mark.parametrize("key", ["resolution", "resolves_case"])
def test_the_api_refuses_an_item_carrying_a_decision(
        store: Store, client: TestClient, bearer: Callable[[str], dict[str, str]],
        key: str) -> None:
    store.ensure_queue("payment-posting")
    payload = {"entry": FORGED["entry"], "settlement": SETTLEMENT, key: FORGED.get(key, 7)}
    one = client.post("/api/v1/items", headers=bearer("developer"),
                      json={"queue": "payment-posting", "reference": "NWB-FORGED-1",
                            "payload": payload})
    assert one.status_code == 422 and repr(key) in one.json()["detail"]
    many = client.post("/api/v1/queues/payment-posting/items", headers=bearer("admin"),
                       json=[{"reference": "NWB-OK-1", "payload": {"entry": {}}},
                             {"reference": "NWB-FORGED-2", "payload": payload}])
    assert many.status_code == 422 and "item 1 (NWB-FORGED-2)" in many.text
    assert store.list_items("payment-posting") == []  # nothing added, not even the good one


def test_the_cli_and_a_bot_cannot_add_one_either(store: Store, tmp_path: Path) -> None:
    store.ensure_queue("payment-posting")
    done = CliRunner().invoke(cli, ["queues", "add", "payment-posting", "NWB-FORGED-3",
                                    "--payload", json.dumps(FORGED)])
    assert done.exit_code != 0 and "'resolution'" in done.output
    with pytest.raises(ValueError, match="'resolves_case' is the orchestrator's own"):
        store.add_item("payment-posting", "NWB-FORGED-4", {"resolves_case": 1})
    assert store.list_items("payment-posting") == []
    # an item of a queue may still carry anything else a bot needs
    assert store.add_item("payment-posting", "NWB-OK-2", {"settlement_hint": "x"}) is not None


def test_no_one_adds_a_request_in_another_persons_name(
        store: Store, client: TestClient, bearer: Callable[[str], dict[str, str]]) -> None:
    """A collections request names who asked on the customer's page (the ERP's note says
    so); an item added to its queue cannot name anyone."""
    store.ensure_queue("collections-actions")
    forged = client.post("/api/v1/items", headers=bearer("developer"), json={
        "queue": "collections-actions", "reference": "log_call/C1001/x",
        "payload": {"action": "log_call", "customer_id": "C1001", "requested_by": "carl",
                    "note": "customer agreed to pay tomorrow"}})
    assert forged.status_code == 422 and "'requested_by'" in forged.json()["detail"]
    assert store.list_items("collections-actions") == []
