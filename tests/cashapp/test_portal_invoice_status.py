"""The portal status each invoice of a posted payment gets."""

from __future__ import annotations

from bots.payment_posting.posting import invoice_status


def test_a_split_payment_marks_the_invoice_it_settles_paid_and_the_other_partially() -> None:
    payload = {"partial": True, "candidates": [
        {"invoice_number": "INV-2026-1019", "amount_open": "700.00"},
        {"invoice_number": "INV-2026-1020", "amount_open": "900.00"}]}
    full = {"invoice_number": "INV-2026-1019", "amount": "700.00", "write_off": "0.00"}
    part = {"invoice_number": "INV-2026-1020", "amount": "534.56", "write_off": "0.00"}
    assert invoice_status(full, payload) == "paid"
    assert invoice_status(part, payload) == "partially_paid"


def test_a_write_off_or_discount_that_closes_the_rest_counts_as_paid() -> None:
    alloc = {"invoice_number": "INV-1", "amount": "4750.00", "write_off": "250.00",
             "open_amount": "5000.00"}
    assert invoice_status(alloc, {"partial": False}) == "paid"
    discounted = {"invoice_number": "INV-2", "amount": "980.00", "discount": "20.00",
                  "open_amount": "1000.00"}
    assert invoice_status(discounted, {"partial": False}) == "paid"


def test_without_an_open_amount_the_payment_s_flag_decides() -> None:
    alloc = {"invoice_number": "INV-3", "amount": "100.00"}
    assert invoice_status(alloc, {"partial": True}) == "partially_paid"
    assert invoice_status(alloc, {"partial": False}) == "paid"
