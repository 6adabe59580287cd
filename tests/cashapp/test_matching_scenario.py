"""The seeded sandbox scenario: every payment gets exactly its expected outcome."""

from __future__ import annotations

from decimal import Decimal

import pytest
from matching_helpers import scenario_entries, scenario_items

from bots.cashapp.matching import match_statement
from bots.cashapp.model import Decision
from sandbox.scenario import build_scenario

SC = build_scenario()
RESULTS = dict(
    zip(
        (p.key for p in SC.payments),
        match_statement(scenario_entries(SC), scenario_items(SC)),
        strict=True,
    )
)


@pytest.mark.parametrize("payment", SC.payments, ids=lambda p: p.key)
def test_payment_gets_its_expected_outcome(payment) -> None:
    result = RESULTS[payment.key]
    assert result.entry_id == payment.key
    if not payment.credit:
        assert result.decision is Decision.SKIP
        return
    if payment.expected_reason:
        assert result.decision is Decision.EXCEPTION, result
        assert result.reason == payment.expected_reason, result
        assert result.allocations == ()
        return
    assert result.decision is Decision.POST, result
    expected = payment.expected_posting
    assert {(a.invoice_number, a.amount) for a in result.allocations} == set(expected.allocations)
    write_offs = {(a.invoice_number, a.write_off) for a in result.allocations if a.write_off}
    discounts = {(a.invoice_number, a.discount) for a in result.allocations if a.discount}
    assert write_offs == set(expected.write_offs)
    assert discounts == set(expected.discounts)


def test_open_amounts_after_the_run_match_the_scenario() -> None:
    left = {i.invoice_number: i.amount for i in SC.invoices}
    for result in RESULTS.values():
        for a in result.allocations:
            left[a.invoice_number] -= a.settles
    assert left == SC.expected_open_amounts()
    assert all(v >= Decimal("0") for v in left.values())


def test_exceptions_name_what_to_look_at() -> None:
    assert {c.invoice_number for c in RESULTS["P07"].candidates} >= {
        "INV-2026-1010",
        "INV-2026-1011",
    }
    assert any(c.invoice_number == "INV-2026-1012" for c in RESULTS["P08"].candidates)
    assert RESULTS["P09"].partial is True
    assert all(r.explanation for r in RESULTS.values())
