"""On the real app (TestClient, bearer tokens): reopening a case whose resolution moved money
waits for an approver, through the API; a statement out of balance shows its balances and
entries on the case page."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from caseseed import candidate, post_item, seed_case
from fastapi.testclient import TestClient

from orchestrator.app import create_app
from orchestrator.auth import service as accounts
from orchestrator.store import Store

PEOPLE = {"ana": ["finance_reviewer", "approver"], "vera": ["approver"]}


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[Store, dict[str, TestClient]]]:
    store = Store(f"sqlite:///{tmp_path / 'finbots.db'}")
    store.approval_threshold = Decimal("100.00")
    web = create_app(store)
    web.state.runs_dir = tmp_path / "runs"
    clients = {}
    for name, roles in PEOPLE.items():
        accounts.add_user(store, name, "Pw-for-tests-123!", roles)
        _, token = accounts.create_token(store, name, roles, owner=name)
        clients[name] = TestClient(web, headers={"Authorization": f"Bearer {token}"})
    try:
        yield store, clients
    finally:
        store.close()


def test_reopen_through_the_api_waits_for_another_approver(
        app: tuple[Store, dict[str, TestClient]]) -> None:
    store, people = app
    case = seed_case(store, reason="SHORT_PAYMENT", amount="4750.00",
                     candidates=[candidate("INV-2026-1012", "5000.00", "C1008")])
    ana, vera = people["ana"], people["vera"]
    write_off = {"amount": "80.00", "reason": "BANK_CHARGES"}
    done = ana.post(f"/api/v1/cases/{case.id}/resolutions/write_off", json=write_off)
    assert done.status_code == 200, done.text
    post_item(store, store.get_case(case.id).resolution_item_id)  # the bot booked it
    asked = ana.post(f"/api/v1/cases/{case.id}/reopen", json={"note": "wrong invoice"})
    assert asked.status_code == 200, asked.text
    assert asked.json()["case"]["status"] == "resolved"
    assert "approver other than you" in asked.json()["message"]
    [approval] = store.list_approvals("pending", case_id=case.id)
    assert approval.kind == "reopen"
    own = ana.post(f"/api/v1/approvals/{approval.id}/decide", json={"approve": True})
    assert own.status_code == 403 and "cannot approve it" in own.text, own.text
    ok = vera.post(f"/api/v1/approvals/{approval.id}/decide",
                   json={"approve": True, "note": "fine"})
    assert ok.status_code == 200, ok.text
    assert store.get_case(case.id).status == "open"
    second = ana.post(f"/api/v1/cases/{case.id}/resolutions/write_off", json=write_off)
    assert second.status_code == 200 and second.json()["case"]["status"] == "awaiting_approval"


def test_a_statement_case_shows_balances_and_entries(
        app: tuple[Store, dict[str, TestClient]]) -> None:
    store, people = app
    run = store.start_run("payment-posting", {}, "h", 1)
    store.ensure_queue("payment-posting-statements")
    item = store.add_item("payment-posting-statements", "statement:DE12/STMT-9/00009", {})
    assert item is not None
    store.claim_item("payment-posting-statements", "robot", run_id=run.id)
    store.fail_item(item.id, "business", "STATEMENT_OUT_OF_BALANCE", "out of balance")
    payload = {
        "statement": {"statement_id": "STMT-9", "account_iban": "DE12", "format": "mt940",
                      "currency": "EUR", "sequence": "00009"},
        "file": "/inbox/two.sta",
        "balance": {"opening": "1000.00", "closing": "1112.34", "entries_sum": "100.00",
                    "expected_closing": "1100.00", "difference": "12.34"},
        "entries": [{"entry": "1", "booked": "2026-11-24", "amount": "100.00",
                     "counterparty": "GRANITE TOOLS", "reference": "NWB-TUE-1", "text": ""}]}
    case = store.open_case(run.id, item.id, item.reference, "STATEMENT_OUT_OF_BALANCE",
                           "out of balance", data={"payload": payload},
                           amount=Decimal("12.34"))
    page = people["ana"].get(f"/cases/{case.id}")
    assert page.status_code == 200, page.text
    for text in ("Statement balances do not add up", "STMT-9", "Sum of the entries",
                 "1,112.34", "12.34", "GRANITE TOOLS", "NWB-TUE-1", "Accept the statement",
                 "Reject the statement"):
        assert text in page.text, text



def test_an_empty_list_in_the_evidence_reads_none(
        app: tuple[Store, dict[str, TestClient]]) -> None:
    store, people = app
    run = store.start_run("payment-posting", {}, "h", 1)
    store.ensure_queue("payment-posting")
    item = store.add_item("payment-posting", "NWB-EMPTY-1", {})
    assert item is not None
    store.claim_item("payment-posting", "robot", run_id=run.id)
    store.fail_item(item.id, "business", "AMBIGUOUS", "several fit")
    payload = {"entry": {"amount": "2000.00", "currency": "EUR", "payer_name": "Fjord"},
               "customer_id": "C1006", "learned": []}
    case = store.open_case(run.id, item.id, item.reference, "AMBIGUOUS", "several fit",
                           data={"payload": payload}, amount=Decimal("2000.00"))
    page = people["ana"].get(f"/cases/{case.id}")
    assert page.status_code == 200, page.text
    assert '<td class="fact-learned">none</td>' in page.text
    assert "<pre>[]</pre>" not in page.text
