"""The crm-sync bot against the session's service desk, in Chromium, on a real store.

One module-scoped sequence (each test builds on the one before): finance events written
into the store as other bots write them reach the customers' desk accounts (fields, a
note per event with its key, a dispute ticket); a rerun changes nothing; a settled dispute
closes its ticket; a locked account opens a CRM_REFUSED case with the desk's message and
screenshot, which a person retries once the account is free, and the desk then shows it.
"""

from __future__ import annotations

from typing import Any

import pytest
from crmharness import CrmHome, Desk

from orchestrator.services.resolutions import resolve_case

pytestmark = pytest.mark.browser


def notes(desk: Desk, customer_id: str) -> list[str]:
    return [n["external_ref"] for n in desk.account(customer_id)["notes"]]


@pytest.fixture(scope="module")
def keys(crm_home: CrmHome) -> dict[str, str]:
    """The first batch of events, as payment posting, collections and credit write them."""
    return {
        "received": crm_home.event(
            "payment_received", "C1001", "NWB2026112000001",
            "Payment of 1190.00 EUR received from ACME INDUSTRIAL GMBH.", amount="1190.00"),
        "applied": crm_home.event(
            "payment_applied", "C1001", "NWB2026112000001",
            "Payment NWB2026112000001 applied to INV-2026-1001 (1190.00) by the bot.",
            minutes=1, amount="1190.00", status_after="paid", document="PAY-1",
            invoice_numbers=["INV-2026-1001"]),
        "case": crm_home.event(
            "case_opened", "C1006", "NWB2026112000007/AMBIGUOUS",
            "Payment NWB2026112000007 needs a person: two invoices of 2000.00.",
            minutes=2, amount="2000.00", status_after="case open"),
        "dispute": crm_home.event(
            "dispute_opened", "C1003", "DSP-77",
            "Castellan disputes INV-2026-1004: 50 units short.", minutes=3,
            amount="750.00", invoice_numbers=["INV-2026-1004"], by="collections",
            status_after="disputed"),
        "hold": crm_home.event(
            "credit_hold_set", "C3002", "SO-2026-5002",
            "Order SO-2026-5002 held: exposure over the credit limit.", minutes=4,
            amount="6500.00", by="credit", status_after="on hold"),
    }


@pytest.fixture(scope="module")
def first_run(crm_home: CrmHome, keys: dict[str, str], desk: Desk) -> dict[str, Any]:
    desk.faults(session_expiry_requests=12)  # signs in again several times in the run
    try:
        return crm_home.run()
    finally:
        desk.faults(clear=True)


def test_each_event_reaches_its_account_with_a_note_of_its_key(
        first_run: dict[str, Any], keys: dict[str, str], desk: Desk,
        crm_home: CrmHome) -> None:
    assert (first_run["events_read"], first_run["queued"], first_run["updated"]) == (5, 5, 5)
    acme = desk.account("C1001")
    assert (acme["last_payment_date"], acme["last_payment_amount"]) == ("2026-11-20",
                                                                        "1190.00")
    assert acme["open_balance"] == "10000.00"  # 11190.00 less the applied 1190.00, once
    assert acme["finance_status"] == "paid" and acme["updated_by"] == "crmsync"
    assert notes(desk, "C1001") == [keys["received"], keys["applied"]]  # in event order
    fjord = desk.account("C1006")
    assert fjord["finance_case"].startswith("Payment NWB2026112000007 needs a person")
    assert fjord["finance_status"] == "case open"
    castellan = desk.account("C1003")
    assert castellan["standing"] == "in dispute" and castellan["open_disputes"] == 1
    [ticket] = [t for t in castellan["tickets"] if t["external_ref"] == "dispute:DSP-77"]
    assert ticket["category"] == "dispute" and "INV-2026-1004" in ticket["subject"]
    lumen = desk.account("C3002")
    assert lumen["credit_hold"] == 1 and lumen["standing"] == "on credit hold"
    steps = crm_home.store.list_steps(crm_home.store.list_runs("crm-sync")[0].id)
    updates = [s for s in steps if s.action == "crm_update" and s.outcome == "ok"]
    assert len(updates) == 5 and all(s.app == "service_desk" for s in updates)
    assert updates[0].data["changes"] and updates[0].rule.startswith("event type ")
    logins = [s for s in steps if s.selector == "login.submit"]
    assert len(logins) >= 2, "the desk session expired during the run and the bot signed in"
    assert [len(notes(desk, c)) for c in ("C1001", "C1006", "C1003", "C3002")] \
        == [2, 1, 1, 1], "once each, although the session expired meanwhile"


def test_a_rerun_changes_nothing_in_the_desk(first_run: dict[str, Any], desk: Desk,
                                             crm_home: CrmHome) -> None:
    before = desk.truth()
    again = crm_home.run()
    assert (again["queued"], again["updated"], again["already"]) == (0, 0, 0)
    assert desk.truth() == before


def test_a_settled_dispute_closes_its_ticket_and_the_standing_follows(
        first_run: dict[str, Any], desk: Desk, crm_home: CrmHome) -> None:
    crm_home.event("dispute_settled", "C1003", "DSP-77",
                   "Dispute on INV-2026-1004 settled with a credit note of 75.00.",
                   minutes=10, amount="75.00", invoice_numbers=["INV-2026-1004"],
                   by="collections", status_after="settled")
    done = crm_home.run()
    assert (done["queued"], done["updated"]) == (1, 1)
    castellan = desk.account("C1003")
    [ticket] = [t for t in castellan["tickets"] if t["external_ref"] == "dispute:DSP-77"]
    assert ticket["status"] == "closed" and ticket["closed_by"] == "crmsync"
    assert castellan["open_disputes"] == 0 and castellan["standing"] == "good"
    assert castellan["finance_status"] == "settled"


def test_a_locked_account_opens_a_case_with_the_desks_message_and_screenshot(
        first_run: dict[str, Any], desk: Desk, crm_home: CrmHome) -> None:
    crm_home.event("case_resolved", "C1006", "41",
                   "Case 41 resolved: apply by maria, carried out in the ERP (PAY-9).",
                   minutes=20, amount="2000.00", case_id=41, status_after="paid")
    desk.faults(locked_accounts=["C1006"])
    try:
        done = crm_home.run()
    finally:
        desk.faults(clear=True)
    assert (done["queued"], done["updated"]) == (1, 0)
    [case] = [c for c in crm_home.store.list_cases() if c.reason_code == "CRM_REFUSED"]
    assert case.reference == "case_resolved:41" and case.customer_id == "C1006"
    assert case.data["crm_message"].startswith("Account is locked by another user")
    assert case.data["event"]["summary"].startswith("Case 41 resolved")
    assert case.data["intended"]["finance_status"] == "paid"
    shots = [e for e in case.evidence if e.endswith(".png")]
    assert shots and (crm_home.runs / str(case.run_id) / shots[0]).stat().st_size > 0
    assert desk.account("C1006")["finance_status"] == "case open", "nothing saved"


def test_a_person_retries_once_the_desk_is_free_and_the_desk_shows_it(
        first_run: dict[str, Any], desk: Desk, crm_home: CrmHome) -> None:
    store = crm_home.store
    [case] = [c for c in store.list_cases() if c.reason_code == "CRM_REFUSED"]
    with pytest.raises(ValueError, match="Reason: required"):
        resolve_case(store, case.id, "lena", "skip", {"reason": " "})
    outcome = resolve_case(store, case.id, "lena", "retry_update", {})
    assert outcome.work_item is not None
    done = crm_home.run(read_events=False)
    assert done["updated"] == 1
    fjord = desk.account("C1006")
    assert fjord["finance_status"] == "paid"
    assert fjord["finance_case"].startswith("Case 41 resolved")
    assert notes(desk, "C1006").count("case_resolved:41") == 1
    assert store.get_case(case.id).status == "resolved"


def test_an_unknown_account_and_a_refused_note_become_cases_a_person_may_skip(
        first_run: dict[str, Any], desk: Desk, crm_home: CrmHome) -> None:
    store = crm_home.store
    crm_home.event("promise_recorded", "C999999", "P-1", "Promise to pay 100.00 by Friday.",
                   minutes=30, amount="100.00", by="collections")
    reminder = crm_home.event(
        "reminder_sent", "C2002", "C2002/2/2026-11-20",
        "Reminder level 2 sent for INV-2026-1102 (3912.80 EUR, 45 days overdue).",
        minutes=31, by="collections", status_after="reminded")
    desk.faults(max_note_chars=40)
    try:
        done = crm_home.run()
    finally:
        desk.faults(clear=True)
    assert (done["queued"], done["updated"]) == (2, 0)
    found = {c.reference: c for c in store.list_cases() if c.status != "resolved"}
    assert found["promise_recorded:P-1"].reason_code == "CRM_NO_ACCOUNT"
    refused = found[reminder]
    assert refused.reason_code == "CRM_REFUSED"
    assert "at most 40 characters" in refused.data["crm_message"]
    assert desk.account("C2002")["standing"] == "overdue" and not notes(desk, "C2002")

    before = desk.truth()
    resolve_case(store, refused.id, "lena", "skip",
                 {"reason": "dunning notes reach the desk from the ERP interface"})
    assert store.get_case(refused.id).status == "resolved"
    again = crm_home.run()
    assert (again["queued"], again["updated"]) == (0, 0), "a skipped event is not queued again"
    assert desk.truth() == before
