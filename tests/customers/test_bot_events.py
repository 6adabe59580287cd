"""The finance events the bots write, on a real store: a person's settlement of a payment
(write-off, refund paid at the bank, case resolved by whom) and the collections bot's
reminders, promises and disputes, each once however often a run repeats them; and what the
customer page makes of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from storeharness import new_sqlite_store

from bots.collections.account_events import disputes_seen, promise_changed, reminder_sent
from bots.payment_posting.account_events import record_case_opened, record_settled
from bots.runtime import Bot, RunContext
from bots.runtime.finance_events import FINANCE_EVENT
from orchestrator.bot_backend import StoreBackend
from orchestrator.services.customers import customer_view
from orchestrator.store import Store

ENTRY = {"amount": "1250.00", "currency": "EUR", "booking_date": "2026-11-20",
         "value_date": "2026-11-20", "bank_reference": "NWB-77",
         "counterparty_name": "HELIOS ENERGY SE", "counterparty_iban": "DE02100100100006820101"}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = new_sqlite_store(tmp_path / "finbots.db")
    yield s
    s.close()


def _ctx(store: Store, tmp: Path, bot: str, run_id: int) -> RunContext:
    return RunContext(run_id, tmp / str(run_id), bot=Bot(name=bot, version="1"),
                      backend=StoreBackend(store, bot))


def _types(store: Store) -> list[str]:
    return sorted(r.key for r in store.find_records(FINANCE_EVENT))


def test_a_settlement_is_recorded_once_with_who_decided(store: Store, tmp_path: Path) -> None:
    opened: Any = SimpleNamespace(reference="NWB-77", payload={
        "entry": ENTRY, "customer_id": "C1008", "decision": "exception",
        "reason": "SHORT_PAYMENT", "explanation": "1250.00 paid, 1500.00 open",
        "candidates": [{"invoice_number": "INV-2026-1012", "amount": "1500.00",
                        "amount_open": "1500.00", "due_date": "2026-11-30"}],
        "evidence": {"customer": {"id": "C1008", "name": "Helios Energy SE"},
                     "other_open_items": []}})
    settled: Any = SimpleNamespace(reference="NWB-77", payload={
        **opened.payload, "resolves_case": 12,
        "resolution": {"name": "apply", "by": "ana", "approved_by": "vera", "case_id": 12},
        "settlement": {"rows": [{"invoice_number": "INV-2026-1012", "amount": "1200.00",
                                 "write_off": "50.00"}]}})
    documents = [{"kind": "write_off", "number": "WO-5", "amount": "50.00"},
                 {"kind": "refund", "number": "RF-9", "amount": "50.00"}]
    for run_id in (1, 2):  # the rerun after a crash records nothing twice
        with _ctx(store, tmp_path, "payment-posting", run_id) as ctx:
            record_case_opened(ctx, opened)
            record_settled(ctx, settled, "RC-300", documents, {"RF-9": "BANK-RF-9"})
    assert _types(store) == [
        "case_opened:NWB-77/SHORT_PAYMENT", "case_resolved:12", "payment_applied:NWB-77",
        "payment_received:NWB-77", "refund_paid:RF-9", "refund_requested:RF-9",
        "writeoff_booked:WO-5"]
    applied = store.get_record(FINANCE_EVENT, "payment_applied:NWB-77")
    assert applied is not None and "by ana, approved by vera" in applied.data["summary"]
    assert applied.run_id == "1" and applied.version == 1
    view = customer_view(store, "C1008")
    assert view.name == "Helios Energy SE"
    [invoice] = view.invoices
    assert (invoice.number, invoice.amount_open, invoice.status) == (
        "INV-2026-1012", 250, "partially paid")
    assert [r["state"] for r in view.refunds] == ["paid"]
    assert view.payments[0].status == "applied" and view.payments[0].document == "RC-300"


def test_reminders_promises_and_disputes_are_recorded_once(store: Store,
                                                          tmp_path: Path) -> None:
    reminder = {"customer_id": "C2007", "reference": "REM-C2007-2", "level": 2,
                "as_of": "2026-11-20", "to": "ap@glacier.example",
                "items": [{"invoice": "INV-2026-1110", "open": "2530.75"}]}
    promise = {"customer_id": "C2007", "promised_date": "2026-11-19", "amount": "2530.75",
               "invoices": ["INV-2026-1110"], "status": "open", "source": "mail"}
    key = "C2007/2026-11-19/INV-2026-1110"
    for run_id in (1, 2):
        with _ctx(store, tmp_path, "collections", run_id) as ctx:
            reminder_sent(ctx, reminder, {"message_id": "<m1@x>"}, "EUR")
            promise_changed(ctx, key, promise)
            disputes_seen(ctx, "C2007", ["INV-2026-1111"], dt.date(2026, 11, 20))
    with _ctx(store, tmp_path, "collections", 3) as ctx:
        promise_changed(ctx, key, {**promise, "status": "partially kept", "paid": "1000.00",
                                   "judged_on": "2026-11-25"})
    assert _types(store) == ["dispute_opened:C2007/INV-2026-1111", f"promise_broken:{key}",
                             f"promise_recorded:{key}", "reminder_sent:REM-C2007-2"]
    broken = store.get_record(FINANCE_EVENT, f"promise_broken:{key}")
    assert broken is not None and "partially kept: 1000.00 paid" in broken.data["summary"]
    view = customer_view(store, "C2007")
    assert {e.type for e in view.timeline.events} == {
        "dispute_opened", "promise_broken", "promise_recorded", "reminder_sent"}
    assert [(i.number, i.status) for i in view.invoices] == [("INV-2026-1111", "disputed")]
