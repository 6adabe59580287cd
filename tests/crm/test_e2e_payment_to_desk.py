"""From the bank statement to the service desk, end to end: the payment-posting bot runs
the day, crm-sync brings its finance events to the desk (Fjord Marine's payment shown as in
a case); a person applies the payment through the API and a second approves, the
payment-posting bot books it, and crm-sync again: the desk shows Fjord Marine paid, as the
customer page does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from crmharness import Desk
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sandboxharness import Sandbox

from bots.runtime.vault import Vault
from orchestrator.app import create_app
from orchestrator.auth import service as accounts
from orchestrator.runner import run_bot
from orchestrator.store import Store
from sandbox.credentials import store_sandbox_credentials
from sandbox.scenario import STATEMENT_DATE

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
FJORD = "C1006"


@pytest.fixture
def people(tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[tuple[Store, dict[str, TestClient]]]:
    """A fresh finbots home on the reseeded sandbox; a finance reviewer, an approver and a
    service agent with API tokens."""
    sandbox.reset()
    env = {"FINBOTS_HOME": str(tmp_path), "FINBOTS_MASTER_KEY": Fernet.generate_key().decode(),
           "FINBOTS_DB_URL": f"sqlite:///{tmp_path / 'data' / 'finbots.db'}",
           "FINBOTS_TIMEOUT_MS": "10000",
           **{f"FINBOTS_{app.upper()}_URL": url for app, url in sandbox.urls.items()}}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "runs").mkdir()
    store_sandbox_credentials(Vault())
    store = Store(env["FINBOTS_DB_URL"])
    app = create_app(store)
    clients = {}
    for name, roles in {"fiona": ["finance_reviewer"], "arthur": ["approver"],
                        "sven": ["customer_service"]}.items():
        accounts.add_user(store, name, "Pw-for-tests-123!", roles)
        _, token = accounts.create_token(store, name, roles, owner=name)
        clients[name] = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    yield store, clients
    store.close()


def _run(name: str, args: dict[str, Any] | None = None) -> None:
    outcome = run_bot(name, args or {})
    assert outcome.status == "successful", outcome.error


def test_a_resolved_case_reaches_the_service_desk_as_paid(
        people: tuple[Store, dict[str, TestClient]], sandbox: Sandbox) -> None:
    store, api = people
    desk = Desk(sandbox.urls["service_desk"])
    _run("payment-posting", {"date": STATEMENT_DATE.isoformat()})
    _run("crm-sync")

    fjord = desk.account(FJORD)
    assert fjord["finance_status"] == "case open"
    assert fjord["finance_case"].startswith("Payment NWB2026112000007 needs a person")
    assert (fjord["last_payment_amount"], fjord["open_balance"]) == ("2000.00", "5486.20")
    acme = desk.account("C1001")  # posted by the bot's rule: paid at once
    assert acme["finance_status"] in ("paid", "partially paid") and acme["notes"]

    (case,) = api["fiona"].get("/api/v1/cases", params={"reason": "AMBIGUOUS"}
                               ).json()["cases"]
    asked = api["fiona"].post(f"/api/v1/cases/{case['id']}/resolutions/apply", json={
        "allocations": [{"invoice_number": "INV-2026-1010", "amount": "2000.00"}]})
    assert asked.status_code == 200, asked.text
    (approval,) = api["arthur"].get("/api/v1/approvals").json()
    decided = api["arthur"].post(f"/api/v1/approvals/{approval['id']}/decide",
                                 json={"approve": True, "note": "remittance checked"})
    assert decided.status_code == 200, decided.text
    _run("payment-posting", {"phase": "post"})
    assert store.get_case(case["id"]).status == "resolved"
    _run("crm-sync")

    fjord = desk.account(FJORD)
    assert fjord["finance_status"] == "paid"
    assert fjord["finance_case"].startswith(f"Case {case['id']} resolved")
    assert fjord["open_balance"] == "3486.20"  # 2,000.00 applied to INV-2026-1010, once
    refs = [n["external_ref"] for n in fjord["notes"]]
    assert f"case_resolved:{case['id']}" in refs and len(refs) == len(set(refs))
    assert not [c for c in store.list_cases() if c.reason_code.startswith("CRM_")]
    page = api["sven"].get(f"/api/v1/customers/{FJORD}")  # the customer page's data
    assert page.status_code == 200, page.text
    shown = page.json()
    assert {c["id"]: c["status"] for c in shown["cases"]}[case["id"]] == "resolved"
    assert {i["number"]: i["status"] for i in shown["invoices"]}["INV-2026-1010"] == "paid"
