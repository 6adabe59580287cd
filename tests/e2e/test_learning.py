"""Matching that learns, end to end: the real bot against the sandbox ERP, people through
the API. A payment from an account nobody knew becomes a case; a person applies it (a
second person approves), the bot posts it; the next payment from that account posts on its
own "learned from case N"; the person withdraws the rule and the third is a case again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orchestrator.app import create_app
from orchestrator.auth import service as accounts
from orchestrator.runner import run_bot
from orchestrator.store import Store

pytestmark = [pytest.mark.e2e]
FACTOR_IBAN = "IE29AIBK93115212345678"
HEADER = ("booking_date,value_date,amount,direction,currency,bank_reference,end_to_end_id,"
          "counterparty_name,counterparty_iban,creditor_reference,remittance_text")


@pytest.fixture
def people(home: Any) -> Iterator[tuple[Store, dict[str, TestClient]]]:
    store = home.store()
    app = create_app(store)
    clients = {}
    for name, roles in {"fiona": ["finance_reviewer"], "arthur": ["approver"]}.items():
        accounts.add_user(store, name, "Pw-for-tests-123!", roles)
        _, token = accounts.create_token(store, name, roles, owner=name)
        clients[name] = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    yield store, clients
    store.close()


def _run(tmp: Path, ref: str, amount: str) -> Any:
    path = tmp / f"{ref}.csv"  # the sandbox bank's CSV export, one payment
    path.write_text(f"{HEADER}\n2026-11-20,2026-11-20,{amount},CRDT,EUR,{ref},,"
                    f"Nordic Factoring AB,{FACTOR_IBAN},,Factoring remittance\n")
    outcome = run_bot("payment-posting", {"statement_file": str(path),
                                          "update_portal": "false"})
    assert outcome.status == "successful", outcome.error
    return outcome


def _item(store: Store, ref: str) -> Any:
    return store.list_items("payment-posting", reference=ref)[-1]


def test_learned_from_a_person_then_withdrawn(home: Any, sandbox: Any, tmp_path: Path,
                                              people: tuple[Store, dict[str, TestClient]]
                                              ) -> None:
    store, api = people
    _run(tmp_path, "LRN-1", "700.00")
    (case,) = api["fiona"].get("/api/v1/cases", params={"reason": "UNKNOWN_PAYER"}
                               ).json()["cases"]
    assert sandbox.truth("legacy_erp")["postings"] == []

    asked = api["fiona"].post(f"/api/v1/cases/{case['id']}/resolutions/apply", json={
        "allocations": [{"invoice_number": "INV-2026-1020", "amount": "700.00",
                         "typed": True, "open_amount": "700.00"}],
        "customer_id": "C1007", "note": "Nordic Factoring pays for Granite Tools"})
    assert asked.status_code == 200, asked.text
    (approval,) = api["arthur"].get("/api/v1/approvals").json()
    decided = api["arthur"].post(f"/api/v1/approvals/{approval['id']}/decide",
                                 json={"approve": True, "note": "ok"})
    assert decided.status_code == 200, decided.text
    assert run_bot("payment-posting", {"phase": "post"}).status == "successful"

    (first,) = sandbox.truth("legacy_erp")["postings"]
    assert (first["bank_reference"], first["customer_id"]) == ("LRN-1", "C1007")
    (rule,) = api["arthur"].get("/api/v1/learned").json()
    assert (rule["kind"], rule["key"], rule["source_case"], rule["created_by"]) == (
        "payer_iban", FACTOR_IBAN, case["id"], "fiona")
    assert "approved by arthur" in rule["evidence"]["decision"]

    _run(tmp_path, "LRN-2", "900.00")

    (second,) = [p for p in sandbox.truth("legacy_erp")["postings"]
                 if p["bank_reference"] == "LRN-2"]
    assert second["customer_id"] == "C1007"
    assert [ln["invoice_number"] for ln in second["lines"]] == ["INV-2026-1021"]
    cited = f"learned from case {case['id']} (fiona)"
    item = _item(store, "LRN-2")
    assert item.state == "successful" and item.payload["explanation"].startswith(cited)
    steps = store.list_steps(item.run_id)
    (posted,) = [s for s in steps if s.action == "post_cash_receipt"]
    assert posted.data["learned"][0]["origin"] == cited
    (audit,) = [a for a in store.list_audit(action="payment.post")
                if a.details["bank_reference"] == "LRN-2"]
    assert audit.details["learned"][0]["rule_id"] == rule["id"]

    withdrawn = api["arthur"].post(f"/api/v1/learned/{rule['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["active"] is False

    _run(tmp_path, "LRN-3", "640.00")

    assert [p["bank_reference"] for p in sandbox.truth("legacy_erp")["postings"]] == [
        "LRN-1", "LRN-2"]
    third = api["fiona"].get("/api/v1/cases", params={"reason": "UNKNOWN_PAYER"}).json()
    assert [c["reference"] for c in third["cases"] if c["status"] == "open"] == ["LRN-3"]
