"""A case's evidence read again on opening: the request (once, while fresh or on its way
nothing more), what the bot reads (paid meanwhile, amounts changed) and what the case
keeps; the evidence read at intake from the ERP's export."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from caseseed import candidate, seed_case

from bots.payment_posting.evidence import (
    candidate_row,
    intake_evidence,
    original_payment,
    read_ledger,
)
from bots.payment_posting.refresh import REFRESH_QUEUE, compare
from orchestrator.store import Store
from orchestrator.store.case_refresh import request_refresh

EXPORT = (
    "invoice_number,customer_id,customer_name,customer_iban,amount_open,currency,due_date,"
    "creditor_reference,discount_percent,discount_until,invoice_date,amount\r\n"
    "INV-2026-1010,C1006,Fjord Marine AS,NO9386011117947,2000.00,EUR,2026-12-01,,0.00,,"
    "2026-11-01,2000.00\r\n"
    "INV-2026-1010,C1006,Fjord Marine AS,NO9386011117948,2000.00,EUR,2026-12-01,,0.00,,"
    "2026-11-01,2000.00\r\n"
    "INV-2026-1011,C1006,Fjord Marine AS,NO9386011117947,1500.00,EUR,2026-12-05,,0.00,,"
    "2026-11-05,2000.00\r\n"
    "INV-2026-1012,C1006,Fjord Marine AS,NO9386011117947,320.00,EUR,2026-11-10,,0.00,,"
    "2026-10-10,320.00\r\n"
    "INV-2026-2001,C2000,Elbe Pharma GmbH,,99.00,EUR,2026-12-01,,0.00,,2026-11-01,99.00\r\n"
)


def _export(tmp_path: Path) -> Path:
    path = tmp_path / "open_items.csv"
    path.write_text(EXPORT, encoding="utf-8")
    return path


class _Posted:
    def __init__(self, ref: str, customer: str, confirmation: str, day: str) -> None:
        self.reference = ref
        self.payload = {"customer_id": customer, "allocations": [
            {"invoice_number": "INV-2026-0999"}],
            "entry": {"bank_reference": ref, "booking_date": day, "amount": "10.00",
                      "currency": "EUR"}}
        self.output = {"confirmation": confirmation}


def test_intake_evidence_names_the_customer_and_dates_the_candidates(tmp_path: Path) -> None:
    ledger = read_ledger(_export(tmp_path), {"C1006"})
    assert "C2000" not in ledger.items  # only the customers asked for
    rows = [candidate_row(candidate("INV-2026-1010", "2000.00"), ledger)]
    assert list(rows[0])[:4] == ["invoice_number", "invoice_date", "due_date", "amount"]
    assert (rows[0]["invoice_date"], rows[0]["due_date"]) == ("2026-11-01", "2026-12-01")
    history = [_Posted("NWB-1", "C1006", "CR-2026-000001", "2026-11-02"),
               _Posted("NWB-2", "C9999", "CR-2026-000002", "2026-11-03"),
               _Posted("NWB-3", "C1006", "CR-2026-000003", "2026-11-04")]
    found = intake_evidence("C1006", rows, ledger, history)
    assert found["customer"] == {"id": "C1006", "name": "Fjord Marine AS"}
    # the other open items: not the candidate, each invoice once, the oldest due first
    assert [i["invoice_number"] for i in found["other_open_items"]] == [
        "INV-2026-1012", "INV-2026-1011"]
    assert [p["erp_document"] for p in found["last_payments"]] == [
        "CR-2026-000003", "CR-2026-000001"]


def test_a_duplicate_names_the_payment_it_repeats() -> None:
    known = {"NWB-7": {"booking_date": "2026-11-20", "amount": "500.00"},
             "NWB-2": {"booking_date": "2026-11-20", "amount": "500.00",
                       "confirmation": "CR-2026-000101"}}
    found = original_payment("same payer, amount and reference as entry 2-1 (NWB-2, booked "
                             "2026-11-20)", "NWB-7", known)
    assert found == {"bank_reference": "NWB-2", "booking_date": "2026-11-20",
                     "amount": "500.00", "confirmation": "CR-2026-000101"}
    assert original_payment("no reference here", "NWB-7", known) is None


def test_reading_again_marks_what_was_paid_or_changed_meanwhile(tmp_path: Path) -> None:
    ledger = read_ledger(_export(tmp_path), {"C1006"})
    rows, changes = compare([
        candidate("INV-2026-1010", "2000.00"),  # unchanged
        candidate("INV-2026-1011", "2000.00"),  # 500.00 paid meanwhile
        candidate("INV-2026-1099", "640.00"),  # no longer open: paid
    ], ledger)
    assert rows[0]["changed"] == ""
    assert changes == ["INV-2026-1011: open amount changed from 2000.00 to 1500.00",
                       "INV-2026-1099: paid meanwhile (no longer open in the ERP)"]
    assert rows[2]["open_now"] == "0.00"


def test_opening_asks_once_and_the_case_keeps_what_the_bot_read(sqlite_store: Store) -> None:
    store = sqlite_store
    case = seed_case(store, candidates=[candidate("INV-2026-1010", "2000.00")])
    now = dt.datetime.now(dt.UTC)
    first = request_refresh(store, case.id, REFRESH_QUEUE, 60, now)
    assert first is not None
    assert request_refresh(store, case.id, REFRESH_QUEUE, 60, now) is None  # on its way
    item = store.get_item(first)
    assert item.payload["case"]["candidates"][0]["invoice_number"] == "INV-2026-1010"

    run = store.start_run("payment-posting", {}, "test-host", 1)
    claimed = store.claim_item(REFRESH_QUEUE, "bot-robot", run_id=run.id)
    assert claimed is not None and claimed.id == first
    read: dict[str, Any] = {"read_at": now.isoformat(), "changes": [
        "INV-2026-1010: paid meanwhile (no longer open in the ERP)"], "candidates": [
        {"invoice_number": "INV-2026-1010", "open_now": "0.00",
         "changed": "paid meanwhile (no longer open in the ERP)"}]}
    store.complete_item(first, {"refreshed": read})

    kept = store.get_case(case.id)
    assert kept.data["refreshed"]["changes"] == read["changes"]
    assert kept.status == "open"  # reading again decides nothing
    events = [e for e in store.case_events(case.id) if e.kind == "refreshed"]
    assert len(events) == 1 and "paid meanwhile" in events[0].text
    # fresh: opening again within a minute asks nothing; later it asks again
    assert request_refresh(store, case.id, REFRESH_QUEUE, 60, now) is None
    later = now + dt.timedelta(seconds=61)
    assert request_refresh(store, case.id, REFRESH_QUEUE, 60, later) is not None
