"""What each kind of finance event does to a service-desk account (pure rules), and which
events a run reads after its watermark."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from bots.crm_sync.events import OVERLAP, read_since
from bots.crm_sync.mapping import Account, FinanceEvent, apply_event, note_for, ticket_action
from bots.runtime import Record

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def event(type_: str, amount: str | None = None, **data: Any) -> FinanceEvent:
    return FinanceEvent.from_record(f"{type_}:REF-1", "C1006", {
        "type": type_, "occurred_at": T0.isoformat(), "summary": f"{type_} happened",
        "amount": amount, "currency": "EUR" if amount else None, **data})


OVERDUE = Account("overdue", Decimal("5486.20"))


def test_a_payment_applied_lowers_the_balance_and_sets_the_last_payment() -> None:
    after = apply_event(OVERDUE, event("payment_applied", "2000.00", status_after="paid"))
    assert after.open_balance == Decimal("3486.20")
    assert (after.last_payment_date, after.last_payment_amount) == ("2026-11-20", "2000.00")
    assert (after.finance_status, after.standing) == ("paid", "overdue")
    received = apply_event(OVERDUE, event("payment_received", "2000.00"))
    assert received.open_balance == OVERDUE.open_balance, "received is not applied yet"


def test_paying_everything_makes_the_account_good() -> None:
    after = apply_event(OVERDUE, event("payment_applied", "5486.20"))
    assert (after.open_balance, after.standing) == (Decimal("0.00"), "good")


@pytest.mark.parametrize(("type_", "disputes", "hold", "standing"), [
    ("credit_hold_set", 0, False, "on credit hold"),
    ("credit_released", 0, True, "overdue"),
    ("credit_released", 1, True, "in dispute"),
    ("dispute_opened", 1, False, "in dispute"),
    ("reminder_sent", 0, False, "overdue"),
    ("promise_broken", 0, False, "overdue"),
])
def test_the_standing_follows_hold_disputes_and_reminders(type_: str, disputes: int,
                                                          hold: bool, standing: str) -> None:
    before = Account("overdue", Decimal("100.00"), credit_hold=hold, open_disputes=disputes)
    assert apply_event(before, event(type_)).standing == standing


def test_a_hold_or_dispute_that_ends_leaves_the_account_good() -> None:
    held = Account("on credit hold", Decimal("100.00"), credit_hold=True)
    assert apply_event(held, event("credit_released")).standing == "good"
    disputed = Account("in dispute", Decimal("100.00"), open_disputes=0)
    assert apply_event(disputed, event("dispute_settled")).standing == "good"


def test_refunds_and_cases_show_on_their_fields() -> None:
    asked = apply_event(OVERDUE, event("refund_requested", "80.00"))
    assert asked.refund_pending == "80.00"
    assert apply_event(asked, event("refund_paid", "80.00")).refund_pending == ""
    case = apply_event(OVERDUE, event("case_opened", summary="x " * 150))
    assert len(case.finance_case) == 200 and case.finance_case.endswith("…")


def test_disputes_open_and_close_a_ticket_by_their_reference() -> None:
    opened = ticket_action(event("dispute_opened", "750.00",
                                 invoice_numbers=["INV-2026-1004"]))
    assert opened is not None and (opened.action, opened.ref) == ("open", "dispute:REF-1")
    assert opened.subject == "Dispute INV-2026-1004 (750.00 EUR)"
    settled = ticket_action(event("dispute_settled"))
    assert settled is not None and (settled.action, settled.ref) == ("close", "dispute:REF-1")
    assert ticket_action(event("payment_applied", "1.00")) is None


def test_the_note_carries_the_events_facts() -> None:
    note = note_for(event("payment_applied", "2000.00", invoice_numbers=["INV-1", "INV-2"],
                          document="PAY-9", case_id=41))
    assert note.startswith("payment_applied happened [payment applied on 2026-11-20 09:00")
    assert "2000.00 EUR" in note and "invoices INV-1, INV-2" in note
    assert "document PAY-9" in note and "finbots case 41" in note


def test_an_event_with_a_bad_time_or_amount_is_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match="occurred_at"):
        FinanceEvent.from_record("x:1", "C1", {"type": "x", "occurred_at": "today"})
    with pytest.raises(ValueError, match="amount"):
        FinanceEvent.from_record("x:1", "C1", {"type": "x", "occurred_at": T0.isoformat(),
                                               "amount": "12,00"})


@dataclass
class _Records:
    """Newest first, as the store answers ``find``; counts the calls."""

    found: list[Record]
    calls: list[int] = field(default_factory=list)

    def find(self, kind: str, *, limit: int | None = None, **_: Any) -> list[Record]:
        self.calls.append(limit or 0)
        return self.found[:limit]


@dataclass
class _Ctx:
    records: _Records


def _written(n: int) -> list[Record]:
    return [Record("finance_event", f"payment_applied:R{i}", {}, "C1", 1, "bot", None,
                   T0 + dt.timedelta(minutes=i), id=i) for i in range(n - 1, -1, -1)]


def test_a_first_run_reads_every_event_page_by_page() -> None:
    ctx = _Ctx(_Records(_written(450)))
    assert len(read_since(ctx, None, page=100)) == 450  # type: ignore[arg-type]
    assert ctx.records.calls == [100, 200, 400, 800]


def test_a_later_run_reads_from_its_watermark_less_the_overlap() -> None:
    ctx = _Ctx(_Records(_written(450)))
    mark = T0 + dt.timedelta(minutes=400)
    found = read_since(ctx, mark, page=20)  # type: ignore[arg-type]
    assert min(r.written_at for r in found) == mark - OVERLAP
    assert len(found) == 50 + int(OVERLAP.total_seconds() // 60)
    assert ctx.records.calls == [20, 40, 80]
