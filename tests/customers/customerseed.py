"""A customer's account as the bots record it: identity, invoices, finance events, a
promise, a credit status, and a case in the store (shared by the customer tests)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from bots.runtime import Records
from bots.runtime.finance_events import record_finance_event
from orchestrator.store import Store

DAY = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def seed_customer(store: Store, cid: str = "C7001", name: str = "Nordlicht Werkzeuge GmbH",
                  run_id: str = "41") -> int:
    """The account of ``cid``; returns the id of its open case."""
    posting = Records(store, "payment-posting", run_id)
    posting.put("customer", cid, {"number": cid, "name": name,
                                  "ibans": [f"DE44 5001 0517 {cid[1:]} 3249 31"],
                                  "bank_references": [f"BR-{cid}-1"]}, customer_id=cid)
    invoices = {"INV-7001": ("1000.00", "0.00"), "INV-7002": ("500.00", "200.00"),
                "INV-7003": ("750.00", "750.00"), "INV-7004": ("90.00", "90.00"),
                "INV-7005": ("40.00", "40.00")}
    for number, (amount, open_amount) in invoices.items():
        posting.put("invoice", f"{number}-{cid}", {
            "number": f"{number}-{cid}", "amount": amount, "amount_open": open_amount,
            "currency": "EUR", "due_date": "2026-12-01"}, customer_id=cid)
    record_finance_event(posting, "payment_received", cid, f"BR-{cid}-1", occurred_at=DAY,
                         summary="Payment of 1300.00 EUR received.", amount=Decimal("1300"),
                         currency="EUR")
    record_finance_event(posting, "payment_applied", cid, f"BR-{cid}-1",
                         occurred_at=DAY + dt.timedelta(hours=1),
                         summary=f"Applied to INV-7001-{cid} and INV-7002-{cid} by the bot "
                                 "(rule: exact reference).", amount=Decimal("1300.00"),
                         currency="EUR", document=f"RC-{cid[1:]}",
                         invoice_numbers=[f"INV-7001-{cid}", f"INV-7002-{cid}"],
                         status_after="paid")
    record_finance_event(posting, "payment_received", cid, f"BR-{cid}-2",
                         occurred_at=DAY + dt.timedelta(days=1),
                         summary="Payment of 60.00 EUR received.", amount=Decimal("60.00"),
                         currency="EUR")
    collections = Records(store, "collections", "42")
    record_finance_event(collections, "dispute_opened", cid, f"{cid}/INV-7003",
                         occurred_at=DAY + dt.timedelta(days=2), summary="INV-7003 disputed.",
                         invoice_numbers=[f"INV-7003-{cid}"], status_after="disputed")
    collections.put("promise_to_pay", f"{cid}/2026-12-10", {
        "promised_date": "2026-12-10", "amount": "90.00", "invoices": [f"INV-7004-{cid}"],
        "status": "open"}, customer_id=cid)
    credit = Records(store, "credit", "43")
    record_finance_event(credit, "invoice_held", cid, f"{cid}/INV-7005", occurred_at=DAY,
                         summary="INV-7005 held.", invoice_numbers=[f"INV-7005-{cid}"])
    credit.put("credit_status", cid, {"limit": "5000.00", "exposure": "6200.00",
                                      "status": "on hold",
                                      "held_orders": [{"order": "SO-77", "amount": "1200.00"}]},
               customer_id=cid)
    case = store.open_case(None, None, f"BR-{cid}-2", "SHORT_PAYMENT", "60.00 EUR paid, 90.00 open",
                           customer_id=cid, amount=Decimal("60.00"))
    return int(case.id or 0)
