"""A finance person corrects a draft invoice IN THE BROWSER (real Chromium on the live
orchestrator): the billing bot edits the draft in the portal sandbox, checks it again and
releases it; the portal's truth shows it released at the corrected price with its
e-invoice and the case resolved with the portal's confirmation. A cancellation above the
limit waits for a second person, and is carried out once an approver approved."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import Page, expect
from sandboxharness import Sandbox

if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))

import webharness
from botharness import LOGINS, BillingHome, Portal
from webharness import LiveServer

from bots.billing import BOT
from bots.billing.case_types import FAILED
from bots.billing.einvoice import check_einvoice
from bots.runtime.vault import Vault
from orchestrator.store.models import ExceptionCase
from sandbox.credentials import VAULT_ENTRIES

live_server, users, page_as = webharness.live_server, webharness.users, webharness.page_as

pytestmark = [pytest.mark.web, pytest.mark.e2e]


@pytest.fixture(scope="module")
def home(live_server: LiveServer, sandbox: Sandbox,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[BillingHome]:
    """The bot runs on the live server's store, against the session's sandbox."""
    tmp = tmp_path_factory.mktemp("billing-browser")
    sandbox.reset()
    store = live_server.store
    store.register_bot(BOT.name, BOT.version, "", ())
    vault = Vault(tmp / "vault.enc", Fernet.generate_key())
    for name in LOGINS:
        vault.set(name, VAULT_ENTRIES[name])
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_BILLING_PORTAL_URL", sandbox.urls["billing_portal"])
        mp.setenv("FINBOTS_LEGACY_ERP_URL", sandbox.urls["legacy_erp"])
        mp.setenv("FINBOTS_TIMEOUT_MS", "15000")
        found = BillingHome(store, vault, tmp / "runs")
        found.run()
        yield found


def case_of(home: BillingHome, number: str) -> ExceptionCase:
    [case] = [c for c in home.store.list_cases(reason_code=FAILED)
              if c.data["draft"]["number"] == number and c.bot == BOT.name]
    return case


def faulty(portal: Portal, rule: str) -> list[str]:
    return sorted(n for n, outcome in portal.truth()["expected"].items()
                  if outcome == f"case:{rule}")


def test_a_price_corrected_in_the_browser_is_released_at_that_price(
        home: BillingHome, sandbox: Sandbox, page_as: Callable[[str], Page]) -> None:
    portal = Portal(sandbox)
    number = faulty(portal, "BV-PRICE")[0]
    case = case_of(home, number)
    price = next(r for r in case.data["failed_rules"] if r["rule"] == "BV-PRICE")
    line_no, contract_price = str(price["line"]), Decimal(price["expected"])
    billed = next(ln for ln in portal.invoices()[number]["lines"]
                  if str(ln["line_no"]) == line_no)
    assert Decimal(billed["unit_price"]) != contract_price

    page = page_as("finance_reviewer")
    page.goto(f"/cases/{case.id}")
    expect(page.locator(".why")).to_contain_text("BV-PRICE")
    expect(page.locator(".case-evidence")).to_contain_text(str(contract_price))  # expected
    form = page.locator("form.action-correct_release")
    form.get_by_label("Line to correct").fill(line_no)
    form.get_by_label("Unit price").fill(str(contract_price))
    form.get_by_label("Note").fill("price of the contract, as agreed")
    form.get_by_role("button", name="Correct and release").click()
    expect(page.locator("body")).to_contain_text("queued for the bot")
    assert home.store.get_case(case.id or 0).status == "awaiting_posting"

    done = home.run(phase="carry_out")
    assert done["carried_out"] >= 1
    invoice = portal.invoices()[number]
    assert invoice["status"] == "released"
    line = next(ln for ln in invoice["lines"] if str(ln["line_no"]) == line_no)
    assert Decimal(line["unit_price"]) == contract_price
    assert check_einvoice(portal.einvoice(number)) == []
    resolved = home.store.get_case(case.id or 0)
    assert resolved.status == "resolved"
    assert (resolved.resolution or {}).get("confirmation")
    page.goto(f"/cases/{case.id}")
    expect(page.locator(".history")).to_contain_text("resolved by the bot")


def big_faulty_draft(home: BillingHome, portal: Portal) -> str:
    """A faulty draft still open whose gross is above the cancellation limit."""
    invoices = portal.invoices()
    limit = Decimal(str(case_of(home, next(iter(_faulty_all(portal))))
                        .data["cancel_second_person_above"]))
    return next(n for n in sorted(_faulty_all(portal))
                if invoices[n]["status"] == "draft"
                and Decimal(invoices[n]["gross_total"]) > limit)


def _faulty_all(portal: Portal) -> list[str]:
    return [n for n, o in portal.truth()["expected"].items() if o.startswith("case:")]


def test_a_cancellation_above_the_limit_waits_for_a_second_person(
        home: BillingHome, sandbox: Sandbox, page_as: Callable[[str], Page],
        live_server: LiveServer) -> None:
    portal = Portal(sandbox)
    number = big_faulty_draft(home, portal)
    case = case_of(home, number)

    page = page_as("finance_reviewer")
    page.goto(f"/cases/{case.id}")
    form = page.locator("form.action-cancel")
    form.get_by_label("Reason").fill("contract terminated, customer informed")
    form.get_by_role("button", name="Cancel the draft").click()
    expect(page.locator("body")).to_contain_text("Waiting for approval")
    assert home.store.get_case(case.id or 0).status == "awaiting_approval"
    assert home.run(phase="carry_out")["carried_out"] == 0
    assert portal.invoices()[number]["status"] == "draft"  # nothing before the approval

    approver = page_as("approver")
    approver.goto(f"/cases/{case.id}")
    approver.locator("form.decide").get_by_role("button", name="Approve").click()
    expect(approver.locator("body")).not_to_contain_text("Waiting for approval")
    home.run(phase="carry_out")
    invoice: dict[str, Any] = portal.invoices()[number]
    assert invoice["status"] == "cancelled"
    assert invoice["cancel_approver"]
    assert home.store.get_case(case.id or 0).status == "resolved"


def test_a_correction_that_still_fails_brings_the_case_back_and_a_hold_is_carried_out(
        home: BillingHome, sandbox: Sandbox, live_server: LiveServer,
        users: dict[str, str]) -> None:
    portal = Portal(sandbox)
    number = faulty(portal, "BV-TERMS")[0]
    case = case_of(home, number)
    terms = next(r for r in case.data["failed_rules"] if r["rule"] == "BV-TERMS")
    wrong = int(Decimal(terms["found"].split()[0])) + 1
    person = webharness.api_client(live_server, "finance_reviewer")
    asked = person.post(f"/api/v1/cases/{case.id}/resolutions/correct_release",
                        json={"payment_terms_days": str(wrong)})
    assert asked.status_code == 200, asked.text
    home.run(phase="carry_out")
    back = home.store.get_case(case.id or 0)
    assert back.status == "open"
    assert portal.invoices()[number]["status"] == "draft"
    assert portal.invoices()[number]["payment_terms_days"] == wrong  # the edit was made
    shown = person.get(f"/api/v1/cases/{case.id}").json()
    assert "BV-TERMS" in shown["events"][-1]["text"], shown["events"][-1]
    assert [c.id for c in home.store.list_cases(reason_code=FAILED)
            if c.data["draft"]["number"] == number] == [case.id]  # no second case
    assert home.run()["queued"] == 0  # the bot's own edit is not a new draft to check

    held = person.post(f"/api/v1/cases/{case.id}/resolutions/hold",
                       json={"reason": "terms being renegotiated with the customer"})
    assert held.status_code == 200, held.text
    home.run(phase="carry_out")
    assert portal.invoices()[number]["status"] == "held"
    assert home.store.get_case(case.id or 0).status == "resolved"
    events = [r.data for r in home.store.find_records("finance_event")
              if r.data["type"] == "invoice_held" and number in r.data["invoice_numbers"]]
    assert len(events) == 1 and events[0]["case_id"] == case.id
