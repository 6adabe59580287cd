"""Evidence a reviewer can trust, end to end: the bot's run against the sandbox, then the
case pages as finance staff read them. The customer is named, the candidates carry their
dates and original amounts, a duplicate links to the payment it repeats and shows that
payment's posting; opening a case asks the bot to read the candidates again, and an
invoice paid in the ERP meanwhile is marked so."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from webharness import REPO, LiveServer, api_client, start_server

from bots.payment_posting.refresh import REFRESH_QUEUE
from bots.runtime.vault import Vault
from sandbox.credentials import store_sandbox_credentials
from sandbox.scenario import CREDENTIALS, STATEMENT_DATE

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sandbox: Any) -> Iterator[LiveServer]:
    sandbox.reset()
    srv = start_server(tmp_path_factory.mktemp("case-evidence"), timeout=120)
    srv.env.update({f"FINBOTS_{app.upper()}_URL": url for app, url in sandbox.urls.items()})
    srv.env["FINBOTS_TIMEOUT_MS"] = "10000"
    with pytest.MonkeyPatch.context() as mp:
        for key in ("FINBOTS_HOME", "FINBOTS_MASTER_KEY"):
            mp.setenv(key, srv.env[key])
        store_sandbox_credentials(Vault())
    yield srv
    srv.stop()
    sandbox.reset()


def run_bot(server: LiveServer, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "orchestrator.cli", "run", "payment-posting", "--json",
         f"--arg=date={STATEMENT_DATE.isoformat()}", "--arg=update_portal=false",
         "--arg=receipt_screenshots=false", *[f"--arg={a}" for a in args]],
        cwd=REPO, env=server.env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    outcome: dict[str, Any] = json.loads(done.stdout[done.stdout.index("{"):])
    assert outcome["status"] == "successful", outcome
    return outcome


@contextmanager
def _erp(url: str) -> Iterator[httpx.Client]:
    """A client signed in to the ERP."""
    with httpx.Client(base_url=url, timeout=30) as erp:
        erp.post("/ar/login.do", data={"userid": CREDENTIALS.erp_username,
                                       "password": CREDENTIALS.erp_password})
        yield erp


def _open_items(url: str) -> dict[str, dict[str, str]]:
    """The ERP's open items by invoice, as its export lists them."""
    with _erp(url) as erp:
        rows = csv.DictReader(io.StringIO(erp.get("/ar/openitems.csv").text))
        return {r["invoice_number"]: r for r in rows}


def _pay_in_the_erp(url: str, customer: str, invoice: str, amount: str) -> None:
    """Someone posts a payment of ``invoice`` in the ERP by hand."""
    with _erp(url) as erp:
        r = erp.post("/ar/cashreceipt.do", data={
            "custId": customer, "valueDate": "21.11.2026", "bankRef": "BY-HAND-0001",
            "pmtAmount": amount, "inv1": invoice, "amt1": amount, "diff1": "0.00",
            "reason1": ""})
        assert "Cash Receipt Posted" in r.text, r.text[-500:]


def test_case_pages_show_the_evidence_and_what_changed_since_intake(
        server: LiveServer, sandbox: Any) -> None:
    run_bot(server)
    store = server.store
    cases = {c.reason_code: c for c in store.list_cases()}
    ambiguous, duplicate = cases["AMBIGUOUS"], cases["DUPLICATE"]
    invoices = _open_items(sandbox.urls["legacy_erp"])
    names = {i["customer_id"]: i["customer_name"] for i in invoices.values()}
    client = api_client(server, "finance_reviewer")

    page = client.get(f"/cases/{ambiguous.id}").text
    assert names[ambiguous.customer_id] in page  # the customer's name, not only its number
    for candidate in ambiguous.candidates:
        invoice = invoices[candidate["invoice_number"]]
        assert candidate["invoice_date"] == invoice["invoice_date"]
        assert candidate["due_date"] == invoice["due_date"]
        assert candidate["amount"] == invoice["amount"]
        assert invoice["due_date"] in page and invoice["invoice_date"] in page
    assert "Invoice date" in page and "Due date" in page

    original = duplicate.data["original"]
    posted = [p for p in sandbox.postings() if p["bank_reference"] == original["bank_reference"]]
    assert posted and original["confirmation"] == posted[0]["confirmation"]
    dup_page = client.get(f"/cases/{duplicate.id}").text
    assert f'href="/queues/payment-posting?reference={original["bank_reference"]}"' in dup_page
    assert original["confirmation"] in dup_page

    # opening the AMBIGUOUS case asked the bot to read its candidates again
    asked = store.find_items(queue=REFRESH_QUEUE, state="new", limit=50).records
    assert any(i.payload["refresh_case"] == ambiguous.id for i in asked)
    assert "The bot is reading it now" in page
    paid = ambiguous.candidates[0]["invoice_number"]
    _pay_in_the_erp(sandbox.urls["legacy_erp"], ambiguous.customer_id or "", paid,
                    invoices[paid]["amount_open"])

    run_bot(server, "phase=refresh")

    again = client.get(f"/cases/{ambiguous.id}").text
    assert "Changed since intake" in again and f"{paid}: paid meanwhile" in again
    refreshed = store.get_case(ambiguous.id)
    assert refreshed.status == "open"
    assert refreshed.data["refreshed"]["changes"] == [
        f"{paid}: paid meanwhile (no longer open in the ERP)"]
    assert any(e.kind == "refreshed" for e in store.case_events(ambiguous.id))
