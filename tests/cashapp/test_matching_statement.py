"""Statement-wide rules: duplicates (g), shared open amounts, order independence."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from matching_helpers import DAY, entry, item

from bots.cashapp.matching import PostedPayment, match_statement
from bots.cashapp.model import Decision, ReasonCode

D = Decimal
ITEMS = [item("INV-1", "2380.00"), item("INV-2", "2000.00"), item("INV-3", "10000.00")]


def by_id(results):
    return {r.entry_id: r for r in results}


def test_same_payer_amount_and_reference_is_a_duplicate_whatever_the_order() -> None:
    a = entry("a", "2380.00", "Payment INV-1 thank you", bank_reference="R-002")
    b = entry("b", "2380.00", "Payment INV-1 thank you", bank_reference="R-011")
    for order in ([a, b], [b, a]):
        r = by_id(match_statement(order, ITEMS))
        assert r["a"].decision is Decision.POST
        assert r["b"].reason is ReasonCode.DUPLICATE and "R-002" in r["b"].explanation


def test_same_bank_reference_is_a_duplicate() -> None:
    a = entry("a", "2000.00", "INV-2", bank_reference="R-1")
    b = entry("b", "2000.00", "INV-2 again", bank_reference="R-1")
    r = by_id(match_statement([b, a], ITEMS))
    assert r["a"].decision is Decision.POST and r["b"].reason is ReasonCode.DUPLICATE


def test_outside_the_window_it_is_not_a_duplicate() -> None:
    a = entry("a", "4000.00", "INV-3 partial", bank_reference="R-1")
    b = entry(
        "b", "4000.00", "INV-3 partial", bank_reference="R-2", booked=DAY + dt.timedelta(days=30)
    )
    r = by_id(match_statement([a, b], ITEMS))
    assert r["a"].decision is Decision.POST and r["b"].decision is Decision.POST


def test_history_of_posted_payments() -> None:
    e = entry("a", "2380.00", "INV-1", bank_reference="R-9")
    history = [PostedPayment("R-9", DAY, D("2380.00"))]
    assert match_statement([e], ITEMS, posted_history=history)[0].reason is ReasonCode.DUPLICATE
    history = [PostedPayment("OLD", DAY - dt.timedelta(days=2), D("2380.00"), "C1", ("INV-1",))]
    assert match_statement([e], ITEMS, posted_history=history)[0].reason is ReasonCode.DUPLICATE


def test_second_payment_for_a_settled_invoice_is_an_overpayment() -> None:
    a = entry("a", "2000.00", "INV-2", bank_reference="R-1")
    b = entry("b", "1990.00", "paid INV-2", bank_reference="R-2")
    for order in ([a, b], [b, a]):
        r = by_id(match_statement(order, ITEMS))
        assert r["a"].decision is Decision.POST
        assert r["b"].reason is ReasonCode.OVERPAYMENT and "already applied" in r["b"].explanation


def test_installments_share_one_invoice_without_exceeding_it() -> None:
    es = [
        entry(f"p{k}", amount, f"INV-3 installment {k}/3")
        for k, amount in ((1, "4000.00"), (2, "3500.00"), (3, "3000.00"))
    ]
    r = by_id(match_statement(es, ITEMS))
    assert [r[f"p{k}"].decision for k in (1, 2)] == [Decision.POST, Decision.POST]
    assert r["p3"].reason is ReasonCode.OVERPAYMENT  # only 2500.00 left
    same = [entry("q1", "4000.00", "INV-3 partial"), entry("q2", "4000.00", "INV-3 partial")]
    assert match_statement(same, ITEMS)[1].reason is ReasonCode.DUPLICATE


def test_amount_only_claims_on_one_invoice_are_all_refused() -> None:
    a = entry("a", "2380.00", "", bank_reference="R-1")
    b = entry("b", "2380.00", "", bank_reference="R-2")
    r = match_statement([a, b], ITEMS)
    assert [x.reason for x in r] == [ReasonCode.AMBIGUOUS, ReasonCode.AMBIGUOUS]


def test_amount_only_on_an_invoice_paid_by_reference_is_refused() -> None:
    a = entry("a", "2000.00", "INV-2", bank_reference="R-1")
    b = entry("b", "2000.00", "", bank_reference="R-2")
    r = by_id(match_statement([b, a], ITEMS))
    assert r["a"].decision is Decision.POST
    assert r["b"].decision is Decision.EXCEPTION and r["b"].allocations == ()


def test_one_result_per_entry_in_input_order() -> None:
    es = [entry(f"e{k}", "1.00", credit=k % 2 == 0) for k in range(7)]
    assert [r.entry_id for r in match_statement(es, ITEMS)] == [e.entry_id for e in es]



def test_an_invoice_with_nothing_open_gets_no_zero_allocation() -> None:
    items = [item("INV-1", "2380.00"), item("INV-9", "0.00")]
    r = match_statement([entry("b", "2380.00", "INV-1 INV-9", bank_reference="R-2")], items)[0]
    assert r.decision is Decision.POST
    assert [(a.invoice_number, a.amount) for a in r.allocations] == [("INV-1", D("2380.00"))]
