"""Judging a promise to pay after its date: kept, partially kept or broken by what the
promised invoices' open amounts went down by."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bots.collections.promises import (
    PromiseFacts,
    due_for_judging,
    judge,
    paid_towards,
    promise_key,
)

D = Decimal


@pytest.mark.parametrize(("before", "now", "status", "paid"), [
    ({"INV-1": D("2530.75")}, {"INV-1": D("2530.75")}, "broken", D("0.00")),
    ({"INV-1": D("2530.75")}, {"INV-1": D("1000.00")}, "partially kept", D("1530.75")),
    ({"INV-1": D("2530.75")}, {}, "kept", D("2530.75")),  # no longer open: paid in full
    ({}, {"INV-1": D("2530.75")}, "broken", D("0.00")),  # entered in the ERP, nothing paid
    ({}, {}, "kept", D("2530.75")),
])
def test_judged_by_what_was_paid_towards_it(before: dict[str, Decimal],
                                            now: dict[str, Decimal], status: str,
                                            paid: Decimal) -> None:
    got = paid_towards(["INV-1"], before, now, D("2530.75"))
    assert got == paid
    assert judge(D("2530.75"), got).status == status


def test_tolerance_and_dates() -> None:
    assert judge(D("100.00"), D("99.50"), tolerance=D("1.00")).status == "kept"
    assert judge(D("100.00"), D("40.00")).short == D("60.00")
    assert not due_for_judging(dt.date(2026, 11, 19), dt.date(2026, 11, 20), grace_days=1)
    assert due_for_judging(dt.date(2026, 11, 19), dt.date(2026, 11, 20), grace_days=0)
    assert promise_key("C2007", dt.date(2026, 11, 19), ["INV-2", "INV-1"]) == \
        "C2007/2026-11-19/INV-1+INV-2"


def test_a_record_reads_back_with_money_as_decimal() -> None:
    facts = PromiseFacts.from_record("k", "C1", {
        "promised_date": "2026-11-27", "amount": "3912.80", "invoices": ["INV-2026-0712"],
        "open_when_promised": {"INV-2026-0712": "3912.80"}})
    assert facts.amount == D("3912.80") and facts.status == "open"
    assert facts.open_when_promised == {"INV-2026-0712": D("3912.80")}
