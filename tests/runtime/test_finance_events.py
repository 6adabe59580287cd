"""Finance events through the SDK: the contract shape, validation, one record per event."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from bots.runtime import Bot, MemoryBackend, RunContext
from bots.runtime.finance_events import EVENT_TYPES, FINANCE_EVENT, record_finance_event

WHEN = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)


def _ctx(tmp_path: Path, backend: MemoryBackend, run_id: int = 1) -> RunContext:
    return RunContext(run_id, tmp_path, bot=Bot(name="payment_posting", version="1"),
                      backend=backend)


def test_event_has_the_contract_shape_and_a_rerun_writes_nothing(tmp_path: Path) -> None:
    backend = MemoryBackend()
    with _ctx(tmp_path, backend, 3) as ctx:
        rec = record_finance_event(
            ctx, "payment_applied", "C10001", "REF-1",
            occurred_at=WHEN.astimezone(dt.timezone(dt.timedelta(hours=2))),
            summary="Payment applied  to INV-1.", amount=Decimal("1200.5"),
            currency="eur", document="PAY-9", invoice_numbers=["INV-1", "INV-1"],
            case_id=4, status_after="paid")
    assert rec.kind == FINANCE_EVENT and rec.key == "payment_applied:REF-1"
    assert rec.customer_id == "C10001"
    assert rec.data == {"type": "payment_applied", "occurred_at": "2026-11-20T09:30:00+00:00",
                        "summary": "Payment applied to INV-1.", "amount": "1200.50",
                        "currency": "EUR", "document": "PAY-9",
                        "invoice_numbers": ["INV-1"], "case_id": 4, "status_after": "paid"}
    with _ctx(tmp_path, backend, 4) as ctx:
        again = record_finance_event(ctx.records, "payment_applied", "C10001", "REF-1",
                                     occurred_at=WHEN + dt.timedelta(hours=1),
                                     summary="Something else.")
        assert again.version == 1 and again.run_id == "3"
        assert len(ctx.records.history(FINANCE_EVENT, "payment_applied:REF-1")) == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"type_": "payment_lost"}, "payment_lost"),
    ({"customer_id": " "}, "customer_id"),
    ({"reference": ""}, "reference"),
    ({"occurred_at": dt.datetime(2026, 11, 20)}, "time zone"),
    ({"amount": 12.5}, "amount"),
    ({"amount": Decimal("1.005")}, "two decimals"),
    ({"amount": "1,000.00"}, "amount"),
    ({"currency": "euro"}, "currency"),
    ({"summary": ""}, "summary"),
    ({"case_id": "7"}, "case_id"),
])
def test_bad_events_are_refused_naming_the_field(tmp_path: Path, change: dict[str, object],
                                                 field: str) -> None:
    args: dict[str, object] = {"type_": "refund_paid", "customer_id": "C1",
                               "reference": "R1", "occurred_at": WHEN,
                               "summary": "Refund paid.", "amount": Decimal("10.00")}
    args.update(change)
    with _ctx(tmp_path, MemoryBackend()) as ctx, pytest.raises(ValueError, match=field):
        record_finance_event(ctx, args.pop("type_"), args.pop("customer_id"),  # type: ignore[arg-type]
                             args.pop("reference"), **args)  # type: ignore[arg-type]


def test_every_contract_type_is_known() -> None:
    assert {"payment_received", "payment_applied", "payment_on_account", "writeoff_booked",
            "refund_requested", "refund_paid", "case_opened", "case_resolved",
            "promise_recorded", "promise_broken", "promise_kept", "reminder_sent",
            "dispute_opened", "dispute_settled", "credit_hold_set", "credit_released",
            "credit_rejected", "invoice_released", "invoice_held"} == EVENT_TYPES
