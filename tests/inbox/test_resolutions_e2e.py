"""Resolutions carried out, in a real browser: people resolve the day's exception cases
(a write-off with its reason, money left on account, a refund, an apply with the rest
refunded, an allocation the ERP refuses), a second person approves, the bot books them in
the ERP and pays refunds at the bank, each case shows the ERP's or the bank's document
numbers, ``finbots sandbox check`` is clean, and a rerun changes nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from webharness import REPO, LiveServer, login, new_context, seed_users, start_server

from bots.runtime.vault import Vault
from sandbox.credentials import store_sandbox_credentials
from sandbox.scenario import STATEMENT_DATE, build_scenario

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PAYMENTS = {p.key: p for p in build_scenario().payments}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sandbox: Any) -> Iterator[LiveServer]:
    sandbox.reset()
    srv = start_server(tmp_path_factory.mktemp("resolutions-e2e"), timeout=120)
    srv.env.update({f"FINBOTS_{app.upper()}_URL": url for app, url in sandbox.urls.items()})
    srv.env["FINBOTS_TIMEOUT_MS"] = "10000"
    with pytest.MonkeyPatch.context() as mp:
        for key in ("FINBOTS_HOME", "FINBOTS_MASTER_KEY"):
            mp.setenv(key, srv.env[key])
        store_sandbox_credentials(Vault())
    seed_users(srv.store, ("finance_reviewer", "approver"))
    yield srv
    srv.stop()


def run_bot(server: LiveServer, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "orchestrator.cli", "run", "payment-posting", "--json",
         f"--arg=date={STATEMENT_DATE.isoformat()}", "--arg=receipt_screenshots=false",
         *[f"--arg={a}" for a in args]],
        cwd=REPO, env=server.env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    outcome: dict[str, Any] = json.loads(done.stdout[done.stdout.index("{"):])
    assert outcome["status"] == "successful", outcome
    return outcome


@pytest.fixture(scope="module")
def people(chromium: Browser, server: LiveServer) -> Iterator[dict[str, Page]]:
    """The day's run done; the finance reviewer and the approver signed in."""
    run_bot(server)
    pages = {}
    for user in ("finance_reviewer", "approver"):
        page = new_context(chromium, server).new_page()
        login(page, user)
        pages[user] = page
    yield pages
    for page in pages.values():
        page.context.close()


def case_url(server: LiveServer, key: str) -> str:
    reference = PAYMENTS[key].bank_reference
    (case,) = [c for c in server.store.list_cases() if c.reference == reference]
    return f"/cases/{case.id}"


def approve(people: dict[str, Page], url: str) -> None:
    approver = people["approver"]
    approver.goto(url)
    approver.get_by_role("button", name="Approve").click()
    expect(approver.locator(".notice")).to_contain_text("Decision recorded")
    expect(approver.locator("h1 .pill")).to_have_text("awaiting posting")


def other_form(page: Page, name: str) -> Any:
    return page.locator(f"form.action-{name}")


def test_people_resolve_and_a_second_person_approves(people: dict[str, Page],
                                                     server: LiveServer) -> None:
    finance = people["finance_reviewer"]
    # write-off: Helios deducted 250.00 for damaged goods
    finance.goto(case_url(server, "P08"))
    form = other_form(finance, "write_off")
    form.locator("[name=amount]").fill("250.00")
    expect(form.locator("select[name=reason] option")).to_have_count(5)  # "—" + the list
    form.locator("select[name=reason]").select_option("DEDUCTION")
    form.get_by_role("button", name="Write off difference").click()
    expect(finance.locator(".error")).to_contain_text("a deduction needs its dispute reason")
    form = other_form(finance, "write_off")
    form.locator("[name=amount]").fill("250.00")
    form.locator("select[name=reason]").select_option("DEDUCTION")
    form.locator("[name=dispute_reason]").fill("damaged goods")
    form.get_by_role("button", name="Write off difference").click()
    expect(finance.locator(".notice")).to_contain_text("Sent for approval")
    approve(people, case_url(server, "P08"))

    # on account: a known customer's unmatched payment, and an unknown payer's
    for key in ("P15", "P12"):
        finance.goto(case_url(server, key))
        other_form(finance, "on_account").get_by_role(
            "button", name="Leave on account").click()
        expect(finance.locator(".notice")).to_contain_text("Sent for approval")
        approve(people, case_url(server, key))

    # refund of a duplicate to the payer's account on the bank line
    finance.goto(case_url(server, "P11"))
    form = other_form(finance, "refund")
    expect(form.locator("[name=payee_iban]")).to_have_value(PAYMENTS["P11"].counterparty_iban)
    form.get_by_role("button", name="Refund").click()
    expect(finance.locator(".notice")).to_contain_text("Sent for approval")
    approve(people, case_url(server, "P11"))

    # overpayment: 800.00 applied to the invoice, the rest 80.00 refunded
    finance.goto(case_url(server, "P10"))
    finance.get_by_label("Pick INV-2026-1014").check()
    finance.get_by_label("Amount to apply to INV-2026-1014").fill("800.00")
    finance.locator("#resolve-apply select[name=rest]").select_option("refund")
    expect(finance.locator("#allocation-check")).to_contain_text("the rest 80.00 refund")
    finance.locator("#resolve-apply").get_by_role("button", name="Apply to invoices").click()
    expect(finance.locator(".notice")).to_contain_text("Sent for approval")
    approve(people, case_url(server, "P10"))

    # an allocation the ERP refuses: 1500.00 of 2000.00, the rest left unhandled
    finance.goto(case_url(server, "P07"))
    finance.get_by_label("Pick INV-2026-1010").check()
    finance.get_by_label("Amount to apply to INV-2026-1010").fill("1500.00")
    finance.locator("#resolve-apply select[name=rest]").focus()  # the amount's change
    expect(finance.locator("#allocation-check")).to_contain_text("1500.00 to INV-2026-1010")
    finance.locator("#resolve-apply").get_by_role("button", name="Apply to invoices").click()
    expect(finance.locator(".notice")).to_contain_text("Sent for approval")
    approve(people, case_url(server, "P07"))


def test_the_bot_carries_them_out_and_the_cases_show_the_document_numbers(
        people: dict[str, Page], server: LiveServer, sandbox: Any) -> None:
    posted = run_bot(server, "phase=post")
    erp = {p["bank_reference"]: p for p in sandbox.postings()}
    bank = {t["end_to_end_id"]: t for t in sandbox.truth("sandbox_bank")["transfers"]}
    finance = people["finance_reviewer"]

    def resolved_with(key: str) -> dict[str, Any]:
        posting = erp[PAYMENTS[key].bank_reference]
        finance.goto(case_url(server, key))
        expect(finance.locator("h1 .pill")).to_have_text("resolved")
        numbers = [posting["confirmation"], *(d["number"] for d in posting["documents"])]
        resolved = finance.locator(".events .kind-resolved")
        for number in numbers:
            expect(resolved).to_contain_text(number)
            expect(finance.locator("table.resolution")).to_contain_text(number)
        return posting

    write_off = resolved_with("P08")
    assert [(d["kind"], d["reason"], d["dispute"], d["amount"])
            for d in write_off["documents"]] == [
        ("write_off", "DEDUCTION", "damaged goods", "250.00")]
    assert resolved_with("P15")["documents"][0]["kind"] == "unapplied"
    suspense = resolved_with("P12")["documents"][0]
    assert (suspense["kind"], suspense["customer_id"]) == ("suspense", "")

    for key, amount in (("P11", "2380.00"), ("P10", "80.00")):
        (refund,) = resolved_with(key)["documents"]
        transfer = bank[refund["number"]]  # one transfer per refund, its number as E2E id
        assert (refund["amount"], transfer["amount"]) == (amount, amount)
        assert transfer["creditor_iban"] == PAYMENTS[key].counterparty_iban
        expect(finance.locator(".events .kind-resolved")).to_contain_text(
            transfer["bank_reference"])
    assert [(ln["invoice_number"], ln["amount"]) for ln in erp[
        PAYMENTS["P10"].bank_reference]["lines"]] == [("INV-2026-1014", "800.00")]

    # the ERP refused the person's allocation: the case is back at once, its words on top
    assert PAYMENTS["P07"].bank_reference not in erp
    finance.goto(case_url(server, "P07"))
    expect(finance.locator("h1 .pill")).to_have_text("open")
    expect(finance.locator(".bot-refusal")).to_contain_text(
        "Allocated amounts (1500.00) do not match the payment amount (2000.00).")
    items = server.store.list_items("payment-posting",
                                    reference=PAYMENTS["P07"].bank_reference)
    refused = [i for i in items if i.failure_code]
    assert (refused[-1].failure_code, refused[-1].failure_kind) == ("ERP_REJECTED", "business")
    assert len(refused) == 2  # the bot's own exception, then the ERP's refusal: no retries
    assert posted["run_id"]

    assert sandbox.check() == []


def test_a_rerun_changes_nothing(server: LiveServer, sandbox: Any,
                                 tmp_path: Path) -> None:
    """The same decisions carried out again, as after a crash between the ERP's (or the
    bank's) confirmation and the item's completion, book and pay nothing twice: a bot run
    on a store that never heard of them finds them done."""
    from orchestrator.store import Store
    from orchestrator.store.audit_anchor import ENV_HEAD_FILE
    from orchestrator.store.models import WorkItem

    before = (sandbox.truth("legacy_erp"), sandbox.truth("sandbox_bank")["transfers"])
    lost = Store(f"sqlite:///{tmp_path / 'lost.db'}")
    lost.ensure_queue("payment-posting")
    for key in ("P11", "P10", "P08"):  # two refunds and a write-off
        done = server.store.list_items("payment-posting", state="successful",
                                       reference=PAYMENTS[key].bank_reference)
        payload = {k: v for k, v in done[-1].payload.items() if k != "resolves_case"}
        with lost._tx(write=True) as s:  # as a hand-back writes it: no add carries a decision
            s.add(WorkItem(queue="payment-posting", reference=PAYMENTS[key].bank_reference,
                           payload=payload))
    env = {**server.env, "FINBOTS_DB_URL": f"sqlite:///{tmp_path / 'lost.db'}",
           ENV_HEAD_FILE: str(tmp_path / "audit-head")}
    run_bot(LiveServer(server.url, server.home, env, server.proc, lost, server.log_path),
            "phase=post")
    assert (sandbox.truth("legacy_erp"), sandbox.truth("sandbox_bank")["transfers"]) == before
    items = lost.list_items("payment-posting")
    assert [(i.state, i.output["already_done"]) for i in items] == [("successful", True)] * 3
    assert all(number in items[0].output["confirmation"]
               for number in (*items[0].output["transfers"].values(),))
    lost.close()
    assert sandbox.check() == []


def test_a_settlement_in_an_item_no_case_handed_back_books_and_pays_nothing(
        server: LiveServer, sandbox: Any, tmp_path: Path) -> None:
    """A refund to someone's IBAN put in the queue by hand (as anyone who may add work
    items could) is not carried out: no ERP document, no bank transfer, and a case says
    why."""
    from orchestrator.store import Store
    from orchestrator.store.audit_anchor import ENV_HEAD_FILE

    before = (sandbox.truth("legacy_erp"), sandbox.truth("sandbox_bank")["transfers"])
    done = server.store.list_items("payment-posting", state="successful",
                                   reference=PAYMENTS["P11"].bank_reference)
    genuine = done[-1].payload
    assert genuine["settlement"] and genuine["resolution"]["approved_by"]
    forged = {k: v for k, v in genuine.items() if k not in ("resolution", "resolves_case")}
    forged["entry"] = {**genuine["entry"], "amount": "4999.00",
                       "bank_reference": "NWB2026112099901"}
    forged["settlement"] = {**genuine["settlement"], "kind": "refund", "rows": [], "rest": {
        "action": "REFUND", "amount": "4999.00", "payee_name": "Mallory",
        "payee_iban": "GB33BUKB20201555555555"}}
    lost = Store(f"sqlite:///{tmp_path / 'forged.db'}")
    lost.ensure_queue("payment-posting")
    assert lost.add_item("payment-posting", "NWB2026112099901", forged) is not None
    env = {**server.env, "FINBOTS_DB_URL": f"sqlite:///{tmp_path / 'forged.db'}",
           ENV_HEAD_FILE: str(tmp_path / "audit-head")}
    run_bot(LiveServer(server.url, server.home, env, server.proc, lost, server.log_path),
            "phase=post")
    assert (sandbox.truth("legacy_erp"), sandbox.truth("sandbox_bank")["transfers"]) == before
    (item,) = lost.list_items("payment-posting")
    assert (item.state, item.failure_code) == ("failed", "SETTLEMENT_WITHOUT_DECISION")
    (case,) = lost.list_cases()
    assert case.reason_code == "SETTLEMENT_WITHOUT_DECISION"
    lost.close()
