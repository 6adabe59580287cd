"""A person's allocations: checked against the payment and the candidates, shaped for the bot."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bots.cashapp.model import Allocation
from bots.payment_posting.payload import _plain
from orchestrator.cases.actions import Action, actions_for
from orchestrator.cases.allocations import plan_posting

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


def test_actions_fit_the_reason() -> None:
    assert actions_for("AMBIGUOUS", "business", True)[0] is Action.APPLY
    assert actions_for("DUPLICATE", "business", True)[0] is Action.REFUND
    assert Action.WRITE_OFF in actions_for("SHORT_PAYMENT", "business", True)
    assert actions_for("ERP_TIMEOUT", "application", True)[0] is Action.RETRY
    assert Action.APPLY not in actions_for("UNMATCHED", "business", has_item=False)
