"""What a person's write-off, on-account, refund and apply-with-rest become for the bot: the
receipt it enters in the ERP, checked against the case before anything is queued."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bots.payment_posting.case_types import APPLY, ON_ACCOUNT, REFUND, WRITE_OFF

IBAN = "GB29NWBK60161331926819"


def case(amount: str, candidates: list[tuple[str, str]], customer: str | None = "C1002",
         iban: str | None = IBAN) -> dict[str, Any]:
    entry = {"amount": amount, "currency": "EUR", "counterparty_name": "Borealis Foods Ltd",
             "counterparty_iban": iban}
    return {"id": 9, "amount": Decimal(amount), "customer_id": customer,
            "requested_by": "fiona", "data": {"payload": {"entry": entry}},
            "candidates": [{"invoice_number": n, "amount_open": o, "customer_id": customer}
                           for n, o in candidates]}


def settle(resolution: Any, c: dict[str, Any], **values: Any) -> tuple[dict, Decimal, str]:
    assert resolution.prepare is not None
    prepared = resolution.prepare(c, values)
    return prepared.payload["settlement"], prepared.amount, prepared.summary


def test_write_off_of_a_short_payment_is_on_its_invoice_with_the_reason() -> None:
    short = case("4750.00", [("INV-2026-1012", "5000.00")], customer="C1008")
    with pytest.raises(ValueError, match="Write-off reason: choose one of bank charges"):
        settle(WRITE_OFF, short, amount="250.00")
    with pytest.raises(ValueError, match="needs its dispute reason"):
        settle(WRITE_OFF, short, amount="250.00", reason="DEDUCTION")
    with pytest.raises(ValueError, match="more than its open amount"):
        settle(WRITE_OFF, short, amount="250.01", reason="BANK_CHARGES")
    s, amount, summary = settle(WRITE_OFF, short, amount="250.00", reason="DEDUCTION",
                                dispute_reason="damaged goods")
    assert s["rows"] == [{"invoice_number": "INV-2026-1012", "amount": "4750.00",
                          "write_off": "250.00", "reason": "DEDUCTION"}]
    assert (s["rest"], s["dispute"], s["our_ref"]) == (None, "damaged goods", "finbots case 9")
    assert amount == Decimal("250.00")
    assert summary == "250.00 EUR written off on INV-2026-1012 (deduction: damaged goods)"


def test_write_off_of_an_overpayment_settles_the_invoice_and_writes_off_the_excess() -> None:
    over = case("880.00", [("INV-2026-1014", "800.00")])
    with pytest.raises(ValueError, match=r"the excess to write off is 80\.00"):
        settle(WRITE_OFF, over, amount="50.00", reason="SMALL_BALANCE")
    s, _, _ = settle(WRITE_OFF, over, amount="80.00", reason="SMALL_BALANCE")
    assert s["rows"][0]["amount"] == "800.00"
    assert s["rest"] == {"action": "WRITE_OFF", "amount": "80.00", "reason": "SMALL_BALANCE"}


def test_on_account_of_a_customer_or_suspense_for_an_unknown_payer() -> None:
    s, amount, _ = settle(ON_ACCOUNT, case("1234.56", [], customer="C1007"))
    assert s["rest"] == {"action": "ON_ACCOUNT", "amount": "1234.56"} and s["rows"] == []
    assert amount == Decimal("1234.56") and ON_ACCOUNT.approval == "on_account"
    s, _, summary = settle(ON_ACCOUNT, case("615.40", [], customer=None))
    assert s["rest"]["action"] == "SUSPENSE" and s["customer_id"] == ""
    assert "suspense account" in summary


def test_refund_needs_a_payee_iban_and_never_more_than_the_payment() -> None:
    dup = case("2380.00", [])
    s, _, _ = settle(REFUND, dup)
    assert s["rest"] == {"action": "REFUND", "amount": "2380.00",
                         "payee_name": "Borealis Foods Ltd", "payee_iban": IBAN}
    with pytest.raises(ValueError, match="more than the payment"):
        settle(REFUND, dup, amount="2380.01")
    # every refund of this payment together is held to its amount when a person asks
    assert REFUND.prepare(dup, {}).limit == Decimal("2380.00")
    with pytest.raises(ValueError, match=r"apply 380\.00 to invoices"):
        settle(REFUND, dup, amount="2000.00")
    with pytest.raises(ValueError, match="Payee IBAN: none is not a valid IBAN"):
        settle(REFUND, case("2380.00", [], iban=None))


def test_apply_with_the_rest_refunded_is_one_receipt() -> None:
    over = case("880.00", [("INV-2026-1014", "800.00")])
    rows = [{"invoice_number": "INV-2026-1014", "amount": "800.00"}]
    s, amount, summary = settle(APPLY, over, allocations=rows, rest="refund")
    assert s["rows"][0]["amount"] == "800.00"
    assert s["rest"] == {"action": "REFUND", "amount": "80.00",
                         "payee_name": "Borealis Foods Ltd", "payee_iban": IBAN}
    assert amount == Decimal("800.00")
    assert summary.endswith("; the rest 80.00 refund")
    plain = APPLY.prepare(over, {"allocations": rows})  # type: ignore[misc]
    assert plain.payload["settlement"] is None  # an earlier decision's settlement is dropped
    full = [{"invoice_number": "INV-2026-1014", "amount": "800.00"}]
    with pytest.raises(ValueError, match="Write-off reason"):
        settle(APPLY, over, allocations=full, rest="write_off")
    exact = case("800.00", [("INV-2026-1014", "800.00")])
    with pytest.raises(ValueError, match="nothing is left of the payment"):
        settle(APPLY, exact, allocations=full, rest="on_account")
