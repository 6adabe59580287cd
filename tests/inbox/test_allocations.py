"""A person's allocations: checked against the payment and the candidates, shaped for the bot;
the payment-posting bot's case types and their resolutions per reason."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bots.cashapp.model import Allocation
from bots.payment_posting.allocations import plan_posting, prepare_apply
from bots.payment_posting.case_types import CASE_TYPES
from bots.payment_posting.payload import _plain

CANDS = [{"invoice_number": "INV-2026-1010", "customer_id": "C1006", "amount_open": "2000.00"},
         {"invoice_number": "INV-2026-1011", "customer_id": "C1006", "amount_open": "2000.00"}]


def plan(rows: list[dict], amount: str = "2000.00", **kw: object) -> object:
    return plan_posting(rows, payment_amount=Decimal(amount), candidates=CANDS, **kw)


def test_the_payload_has_the_shape_the_matching_engine_produces() -> None:
    p = plan([{"invoice_number": "inv-2026-1010", "amount": "1990.00", "write_off": "10"}])
    engine = _plain(Allocation("INV-2026-1010", Decimal("1990.00"), Decimal("10.00")))
    assert p.as_json()["allocations"] == [engine]
    assert p.customer_id == "C1006" and p.partial is False
    assert p.applied == Decimal("1990.00") and isinstance(p.applied, Decimal)


@pytest.mark.parametrize(("rows", "message"), [
    ([{"invoice_number": "INV-2026-1010", "amount": "2000.01"}], "more than its open amount"),
    ([{"invoice_number": "INV-2026-1010", "amount": "1500.00"},
      {"invoice_number": "INV-2026-1011", "amount": "600.00"}], "more than the payment"),
    ([{"invoice_number": "INV-9", "amount": "10.00"}], "not among the case's candidate"),
    ([{"invoice_number": "INV-2026-1010", "amount": "10.001"}], "two decimals"),
    ([{"invoice_number": "INV-2026-1010", "amount": "-1"}], "greater than zero"),
    ([{"invoice_number": "INV-2026-1010", "amount": "1e3"}], "two decimals|not an amount"),
    ([{"invoice_number": "INV-2026-1010", "amount": "abc"}], "not an amount"),
    ([{"invoice_number": "INV-2026-1010", "amount": "5"},
      {"invoice_number": "inv-2026-1010", "amount": "5"}], "same invoice appears twice"),
    ([], "choose at least one invoice"),
])
def test_bad_allocations_are_refused(rows: list[dict], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plan(rows)


def test_partial_and_typed_items_need_a_customer() -> None:
    assert plan([{"invoice_number": "INV-2026-1010", "amount": "500.00"}]).partial is True
    with pytest.raises(ValueError, match="which customer"):
        plan_posting([{"invoice_number": "X-1", "amount": "5.00", "typed": True}],
                     payment_amount=Decimal("5.00"))
    typed = plan_posting([{"invoice_number": "X-1", "amount": "5.00", "typed": True}],
                         payment_amount=Decimal("5.00"), default_customer="C9")
    assert typed.customer_id == "C9" and typed.as_json()["typed"] == ["X-1"]


def _names(reason: str) -> list[str]:
    case_type = next(c for c in CASE_TYPES if c.reason == reason)
    return [r.name for r in case_type.resolutions]


def test_resolutions_fit_the_reason() -> None:
    assert _names("AMBIGUOUS") == ["apply", "on_account"]
    assert _names("DUPLICATE")[0] == "refund"
    assert "write_off" in _names("SHORT_PAYMENT")
    assert _names("ERP_REJECTED") == ["apply", "on_account", "write_off"]
    by_name = {r.name: r for c in CASE_TYPES for r in c.resolutions}
    assert {n: r.approval for n, r in by_name.items()} == {
        "apply": "manual_posting", "on_account": "on_account", "refund": "refund",
        "write_off": "write_off", "accept_statement": "accept_statement",
        "reject_statement": None}
    assert [n for n, r in by_name.items() if r.carried_out] == [
        "apply", "on_account", "refund", "write_off", "accept_statement", "reject_statement"]


def test_the_apply_hook_shapes_the_posting_for_the_bot() -> None:
    case = {"id": 7, "amount": Decimal("2000.00"), "candidates": CANDS,
            "customer_id": "C1006", "requested_by": "ana", "data": {}}
    prepared = prepare_apply(case, {"allocations": [
        {"invoice_number": "INV-2026-1010", "amount": "1990.00", "write_off": "10.00"}],
        "note": "phoned"})
    p = prepared.payload
    assert p["decision"] == "post" and p["customer_id"] == "C1006"
    assert p["rule"] == "manual: applied by ana in case 7"
    assert p["explanation"] == "applied by ana in case 7: phoned"
    assert prepared.amount == Decimal("1990.00")
    assert prepared.summary == ("apply 1990.00 to INV-2026-1010 1990.00 of C1006, writing "
                                "off 10.00; 10.00 stays unapplied")
    with pytest.raises(ValueError, match="more than the payment"):
        prepare_apply(case, {"allocations": [
            {"invoice_number": "INV-2026-1010", "amount": "2000.00"},
            {"invoice_number": "INV-2026-1011", "amount": "1.00"}]})
