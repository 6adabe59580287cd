"""A service person follows a customer's payment in a real browser: the day's payment
posting run cases Fjord Marine's ambiguous payment; the service user finds Fjord by name
and sees the payment, its case and the case's owner; a person resolves the case, the bot
posts it in the ERP, and the customer page shows the payment applied and the case
resolved. The service user sees only Customers and is refused everything else."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from webharness import REPO, LiveServer, api_client, login, new_context, seed_users, start_server

from bots.runtime.vault import Vault
from sandbox.credentials import store_sandbox_credentials
from sandbox.scenario import STATEMENT_DATE, build_scenario

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

FJORD = {p.key: p for p in build_scenario().payments}["P07"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sandbox: Any) -> Iterator[LiveServer]:
    sandbox.reset()
    srv = start_server(tmp_path_factory.mktemp("customers-e2e"), timeout=120)
    srv.env.update({f"FINBOTS_{app.upper()}_URL": url for app, url in sandbox.urls.items()})
    srv.env["FINBOTS_TIMEOUT_MS"] = "10000"
    with pytest.MonkeyPatch.context() as mp:
        for key in ("FINBOTS_HOME", "FINBOTS_MASTER_KEY"):
            mp.setenv(key, srv.env[key])
        store_sandbox_credentials(Vault())
    seed_users(srv.store, ("customer_service",))
    yield srv
    srv.stop()


def run_bot(server: LiveServer, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "orchestrator.cli", "run", "payment-posting", "--json",
         f"--arg=date={STATEMENT_DATE.isoformat()}", "--arg=receipt_screenshots=false",
         "--arg=update_portal=false", *[f"--arg={a}" for a in args]],
        cwd=REPO, env=server.env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    outcome = json.loads(done.stdout[done.stdout.index("{"):])
    assert outcome["status"] == "successful", outcome


@pytest.fixture(scope="module")
def service(chromium: Browser, server: LiveServer) -> Iterator[Page]:
    run_bot(server)
    page = new_context(chromium, server).new_page()
    login(page, "customer_service")
    yield page
    page.context.close()


def _payment_row(page: Page) -> Any:
    return page.locator(f"table.payments tr[data-payment='{FJORD.bank_reference}']")


def test_service_follows_the_payment_until_the_erp_shows_it_applied(
        service: Page, server: LiveServer, sandbox: Any) -> None:
    finance = api_client(server, "finance_reviewer")
    (case,) = [c for c in finance.get("/api/v1/cases", params={"q": FJORD.bank_reference})
               .json()["cases"] if c["reference"] == FJORD.bank_reference]
    assert case["reason_code"] == "AMBIGUOUS"
    assert finance.post(f"/api/v1/cases/{case['id']}/claim").status_code == 200

    page = service
    # customer service reads customers and where their disputes stand, nothing else
    expect(page.locator("nav[aria-label=Main] a")).to_have_text(["Customers", "Disputes"])
    page.goto("/customers")
    page.get_by_label("Search").fill("Fjord")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="Fjord Marine AS").click()
    expect(page.locator("h1")).to_contain_text("C1006")
    row = _payment_row(page)
    expect(row.locator(".status")).to_have_text("with a person")
    expect(row).to_contain_text(f"case {case['id']}")
    case_row = page.locator(f"table.cases tr[data-case='{case['id']}']")
    expect(case_row.locator(".owner")).to_have_text("web-test-finance_reviewer")
    expect(case_row.locator(".status")).to_have_text("in progress")
    expect(page.locator("#timeline")).to_contain_text("case opened")

    detail = finance.get(f"/api/v1/cases/{case['id']}").json()
    pick = detail["candidates"][0]
    asked = finance.post(f"/api/v1/cases/{case['id']}/resolutions/apply", json={
        "allocations": [{"invoice_number": pick["invoice_number"],
                         "amount": str(FJORD.amount)}], "note": "customer confirmed"})
    assert asked.status_code == 200, asked.text
    approver = api_client(server, "approver")
    for approval in approver.get("/api/v1/approvals").json():
        assert approver.post(f"/api/v1/approvals/{approval['id']}/decide",
                             json={"approve": True, "note": "ok"}).status_code == 200
    run_bot(server, "phase=post")
    postings = [p for p in sandbox.truth("legacy_erp")["postings"]
                if p["bank_reference"] == FJORD.bank_reference]
    assert [ln["invoice_number"] for ln in postings[0]["lines"]] == [pick["invoice_number"]]

    page.reload()
    row = _payment_row(page)
    expect(row.locator(".status")).to_have_text("paid")
    expect(row).to_contain_text("web-test-finance_reviewer")
    expect(page.locator(f"table.cases tr[data-case='{case['id']}'] .status")).to_contain_text(
        "resolved")
    expect(page.locator(f"table.invoices tr[data-invoice='{pick['invoice_number']}'] .status")
           ).to_have_text("paid")
    expect(page.locator("#timeline li[data-event=case_resolved]")).to_have_count(1)
    views = server.store.list_audit(action="customer.view", target="customer:C1006")
    assert len(views) >= 2 and {v.actor for v in views} == {"customer_service"}


def test_the_service_user_is_refused_operations_pages(service: Page) -> None:
    for path in ("/inbox", "/runs", "/jobs", "/bots", "/admin/users", "/admin/audit",
                 "/approvals", "/collections", "/queues", "/learned"):
        response = service.goto(path)
        assert response is not None and response.status == 403, path
