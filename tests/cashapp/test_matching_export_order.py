"""The ERP's row order never changes what a person is shown.

An export may list its open items in any order. Where several of a customer's invoices are
equally close to a garbled number, or open for exactly the paid amount, only the first few
are shown on the exception: those must be the same few whatever order the rows came in.
"""

from __future__ import annotations

import random

from matching_helpers import entry, item

from bots.cashapp.matching import match_statement
from bots.cashapp.model import Decision, OpenItem


def _orders(items: list[OpenItem]) -> list[list[OpenItem]]:
    shuffled = list(items)
    random.Random(5).shuffle(shuffled)
    return [items, items[::-1], shuffled]


def test_invoices_equally_close_to_a_garbled_number_are_shown_the_same_in_any_order() -> None:
    # nine invoices two digits longer than the number written: all equally close, none
    # one edit away
    items = [item(f"INV-2026-001{n}{n}", f"{100 + n}.00") for n in range(1, 10)]
    payment = entry("E1", "50.00", "Invoice INV-2026-001")
    results = [match_statement([payment], order) for order in _orders(items)]
    assert results[0] == results[1] == results[2]
    (result,) = results[0]
    assert result.decision is Decision.EXCEPTION
    shown = [c.invoice_number for c in result.candidates if c.why.startswith("invoice_fuzzy")]
    assert shown == ["INV-2026-00111", "INV-2026-00122", "INV-2026-00133"]


def test_invoices_open_for_the_paid_amount_are_shown_the_same_in_any_order() -> None:
    items = [item(f"INV-2026-{n:04d}", "250.00") for n in (7, 3, 9, 1, 5)]
    items += [item(f"INV-2026-{n:04d}", f"{300 + n}.00") for n in range(20, 40)]
    payment = entry("E1", "250.00", "thank you")
    results = [match_statement([payment], order) for order in _orders(items)]
    assert results[0] == results[1] == results[2]
    (result,) = results[0]
    assert result.decision is Decision.EXCEPTION
    fits = [c.invoice_number for c in result.candidates if c.why == "open amount fits the payment"]
    assert fits == ["INV-2026-0001", "INV-2026-0003"]
