"""The disputes bot's intake against the sandbox: the seeded claims of the three channels
(claims desk, finance mailbox, a short payment of cash application) become the expected
dispute cases, and a rerun adds nothing.

One module run: payment posting first (its short payment with a reason is the deduction
channel), then ``disputes``, then ``disputes`` again.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from orchestrator.runner import RunOutcome, run_bot
from orchestrator.store import Store
from sandbox.disputes_check import compare_disputes
from sandbox.disputes_scenario import CLAIMS, SeededClaim, expected_cases, invoice
from sandbox.mail.addresses import FINANCE_MAILBOX, customer_mailbox
from sandbox.mail.disputes import DISPUTES_FOLDER, dispute_message_id
from sandbox.scenario import STATEMENT_DATE

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.timeout(900)]
BY_KEY = {c.key: c for c in CLAIMS}


@dataclass
class Intake:
    store: Store
    first: RunOutcome
    second: RunOutcome
    cases: list[Any]  # the DISPUTE cases after the first run
    cases_again: list[Any]
    portal: dict[str, Any]
    mail: dict[str, Any]
    mail_again: dict[str, Any]
    erp: dict[str, Any]
    bank: dict[str, Any]
    portal_again: dict[str, Any]


@pytest.fixture(scope="module")
def intake(module_home: Any, sandbox: Any) -> Intake:
    posted = run_bot("payment-posting", {"date": STATEMENT_DATE.isoformat()})
    assert posted.status == "successful", posted.error
    first = run_bot("disputes", {})
    assert first.status == "successful", first.error
    store = module_home.store()
    cases = store.list_cases(reason_code="DISPUTE")
    portal, mail = sandbox.truth("billing_portal"), sandbox.truth("sandbox_mail")
    erp, bank = sandbox.truth("legacy_erp"), sandbox.truth("sandbox_bank")
    second = run_bot("disputes", {})
    assert second.status == "successful", second.error
    return Intake(store, first, second, cases, store.list_cases(reason_code="DISPUTE"),
                  portal, mail, sandbox.truth("sandbox_mail"), erp, bank,
                  sandbox.truth("billing_portal"))


def _portal_ids(portal: dict[str, Any]) -> dict[str, str]:
    return {c["seed_key"]: c["id"] for c in portal["claims"] if c.get("seed_key")}


def _ref(claim: SeededClaim, portal_ids: dict[str, str]) -> str:
    if claim.channel == "portal":
        return f"portal:{portal_ids[claim.key]}"
    if claim.channel == "mail":
        return f"mail:{dispute_message_id(claim)}"
    return f"deduction:{claim.bank_reference}"


def _case_of(cases: list[Any], claim: SeededClaim) -> Any:
    found = [c for c in cases if c.customer_id == claim.customer_id
             and c.data["dispute"]["invoice_number"] == claim.invoice_number]
    assert len(found) == 1, f"{claim.key}: {len(found)} cases of {claim.invoice_number}"
    return found[0]


def test_each_seeded_dispute_is_one_case_with_its_reason_owner_claims_and_amounts(
        intake: Intake) -> None:
    ids = _portal_ids(intake.portal)
    expected = expected_cases()
    assert len(intake.cases) == len(expected)
    for key, linked in expected.items():
        claim = BY_KEY[key]
        case = _case_of(intake.cases, claim)
        dispute = case.data["dispute"]
        assert dispute["case_ref"] == f"DISP-{claim.invoice_number}"
        if claim.low_confidence:  # D09: a person classifies it
            assert dispute["suggestion"]["needs_person"] is True
            assert dispute["reason_code"] == "OTHER" and dispute["classified_by"] == ""
            outcome = intake.store.get_record("dispute_outcome", dispute["case_ref"])
            assert outcome is not None and outcome.data["reason_code"] == ""  # not yet
        else:
            assert (dispute["reason_code"], dispute["classified_by"]) == \
                (claim.expected_reason, "model"), key
            assert Decimal(dispute["suggestion"]["confidence"]) > 0
        assert dispute["owner_team"] == claim.expected_owner, key
        assert dispute["sla_due"] > case.created_at.isoformat()[:10]
        # every claim of the dispute is linked to it, each once; duplicates add nothing
        record = intake.store.get_record("dispute_intake", dispute["case_ref"])
        assert record is not None
        refs = [c["ref"] for c in record.data["claims"]]
        assert refs == [_ref(BY_KEY[k], ids) for k in linked], key
        assert dispute["amounts"]["disputed"] == f"{claim.amount:.2f}", key
        assert case.amount == claim.amount
        if claim.invoice_number.startswith("INV-2026-2"):
            assert dispute["amounts"]["invoice"] == f"{invoice(claim.invoice_number).gross:.2f}"


def test_the_evidence_is_gathered_before_a_person_looks(intake: Intake) -> None:
    runs = intake.first.run_dir
    for key in expected_cases():
        claim = BY_KEY[key]
        case = _case_of(intake.cases, claim)
        evidence = case.data["dispute"]["evidence"]
        pdf = runs / evidence["invoice_pdf"]
        assert pdf.read_bytes().startswith(b"%PDF"), key
        assert evidence["contract_prices"] and evidence["payments"] is not None
        assert case.evidence and all((runs / e).is_file() for e in case.evidence), key
        if claim.attachment and claim.channel == "portal":  # the customer's file
            assert any(e.endswith(claim.attachment) for e in case.evidence), key
        if claim.channel == "mail":  # the mail as it came
            assert any(e.endswith(".eml") for e in case.evidence), key
        if claim.invoice_number.startswith("INV-2026-2"):
            billed = invoice(claim.invoice_number)
            assert evidence["order"]["order_number"] == billed.order_number, key
            assert evidence["order"]["proof_of_delivery"] == billed.proof_of_delivery
    # an invoice billed twice for one order: the order names both invoices
    d04 = _case_of(intake.cases, BY_KEY["D04"]).data["dispute"]["evidence"]["order"]
    assert set(d04["invoices"]) == {"INV-2026-2003", "INV-2026-2004"}


def test_claims_are_received_filed_and_acknowledged_once(intake: Intake) -> None:
    ids = _portal_ids(intake.portal)
    by_id = {c["id"]: c for c in intake.portal["claims"]}
    for claim in CLAIMS:
        if claim.channel == "portal":
            got = by_id[ids[claim.key]]
            assert (got["status"], got["case_ref"]) == (
                "received", f"DISP-{claim.invoice_number}"), claim.key
    folders = {r["message_id"]: r["folder"]
               for r in intake.mail["mailboxes"][FINANCE_MAILBOX]}
    for claim in CLAIMS:
        if claim.channel == "mail":
            assert folders[dispute_message_id(claim)] == DISPUTES_FOLDER, claim.key
    # one acknowledgement per claim, to the claimant; the rerun sends none
    for mail in (intake.mail, intake.mail_again):
        for claim in CLAIMS:
            to = claim.sender if claim.channel == "mail" else customer_mailbox(
                claim.customer_id)
            ref = _ref(claim, ids)
            acks = [r for r in mail["mailboxes"].get(to, [])
                    if str((r.get("headers") or {}).get("X-Finbots-Reference", ""))
                    .endswith(f":{ref}")]
            assert len(acks) == 1, f"{claim.key}: {len(acks)} acknowledgements"
    # a dispute no customer filed on the portal is registered there under its case, once
    # (the rerun registers nothing again), and its invoice shows disputed
    only_off_portal = [keys for keys in expected_cases().values()
                       if all(BY_KEY[k].channel != "portal" for k in keys)]
    for portal in (intake.portal, intake.portal_again):
        registered = {c["invoice"]: c for c in portal["claims"] if c["channel"] != "portal"}
        assert len(registered) == len(only_off_portal) == len(
            [c for c in portal["claims"] if c["channel"] != "portal"])
        shown = {i["invoice_number"]: i["status"] for i in portal["claim_invoices"]}
        for keys in only_off_portal:
            claim = BY_KEY[keys[0]]
            got = registered[claim.invoice_number]
            assert (got["status"], got["case_ref"], got["channel"]) == (
                "received", f"DISP-{claim.invoice_number}", claim.channel), claim.key
            assert shown[claim.invoice_number] == "disputed", claim.key
    assert compare_disputes(intake.erp, intake.portal, intake.mail, intake.bank) == []


def test_a_rerun_opens_nothing_and_links_nothing_again(intake: Intake) -> None:
    assert [c.id for c in intake.cases_again] == [c.id for c in intake.cases]
    summary = intake.second.summary
    assert sum(summary.get("queued", {}).values()) == 0, summary
    for case in intake.cases_again:
        record = intake.store.get_record("dispute_intake", case.data["dispute"]["case_ref"])
        assert record is not None and record.data["pending"] is False
    events = intake.store.find_records("finance_event", where={"type": "dispute_opened"})
    assert len(events) == len(expected_cases())
