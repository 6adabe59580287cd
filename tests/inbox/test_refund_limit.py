"""Refunds of one payment never add up to more than the payment, checked when a person
asks (its cases and the approvals still pending together), before anything is queued."""

from __future__ import annotations

from decimal import Decimal

import pytest
from caseseed import seed_case

from orchestrator.store import Store


def _refund(store: Store, case_id: int, actor: str, amount: str, limit: str = "500.00"):
    return store.request_resolution(
        case_id, actor, "refund", values={"amount": amount}, amount=Decimal(amount),
        approval_kind="refund", carried_out=False, summary=f"refund of {amount}",
        limit=Decimal(limit))


def test_a_second_refund_of_one_payment_past_its_amount_is_refused(store: Store) -> None:
    reference = "NWB-REFUND-LIMIT-1"
    first = seed_case(store, reason="DUPLICATE", amount="500.00", reference=reference)
    second = seed_case(store, reason="OVERPAYMENT", amount="500.00", reference=reference)
    elsewhere = seed_case(store, reason="DUPLICATE", amount="500.00")

    asked = _refund(store, first.id, "ana", "500.00")
    assert asked.approval is not None  # above the threshold: waits for a second person
    with pytest.raises(ValueError, match=r"already moved 500\.00 as refund .* 1000\.00 in "
                                         r"all would be more than 500\.00"):
        _refund(store, second.id, "bea", "500.00")
    assert store.get_case(second.id).status == "open"
    assert store.list_approvals("pending", case_id=second.id) == []
    # a rejected refund moved nothing: the payment may be refunded again
    store.decide_approval(asked.approval.id, "vera", ["approver"], False)
    assert _refund(store, second.id, "bea", "500.00").approval is not None
    # another payment's refunds are its own
    assert _refund(store, elsewhere.id, "ana", "500.00").approval is not None


def test_refunds_in_small_steps_stop_at_the_payment_amount(store: Store) -> None:
    store.approval_threshold = Decimal("1000.00")
    reference = "NWB-REFUND-LIMIT-2"
    cases = [seed_case(store, reason=reason, amount="300.00", reference=reference)
             for reason in ("OVERPAYMENT", "DUPLICATE", "UNMATCHED", "SHORT_PAYMENT")]
    for case in cases[:3]:
        assert _refund(store, case.id, "ana", "100.00", "300.00").case.status == "resolved"
    with pytest.raises(ValueError, match=r"more than 300\.00"):
        _refund(store, cases[3].id, "ana", "0.01", "300.00")
    assert store.get_case(cases[3].id).status == "open"
