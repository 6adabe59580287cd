"""Rules d-f: amounts, tolerances, discounts, partials, combinations, remittance advice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from matching_helpers import DAY, entry, item

from bots.cashapp.matching import MatchingConfig, match_statement
from bots.cashapp.matching.combination import find_combinations
from bots.cashapp.model import Decision, ReasonCode, RemittanceAdvice, RemittanceLine

D = Decimal


def one(e, items, **kw):
    return match_statement([e], items, **kw)[0]


def allocs(r) -> list[tuple[str, str, str, str]]:
    assert r.decision is Decision.POST, r
    return [
        (a.invoice_number, str(a.amount), str(a.write_off), str(a.discount)) for a in r.allocations
    ]


def test_short_within_tolerance_posts_a_write_off() -> None:
    r = one(entry("e", "1799.20", "INV-9"), [item("INV-9", "1800.00")])
    assert allocs(r) == [("INV-9", "1799.20", "0.80", "0")]


def test_tolerance_is_configuration() -> None:
    cfg = MatchingConfig.from_dict({"write_off_abs": "0.50"})
    r = one(entry("e", "1799.20", "INV-9"), [item("INV-9", "1800.00")], config=cfg)
    assert r.reason is ReasonCode.SHORT_PAYMENT


def test_short_payment_beyond_tolerance() -> None:
    r = one(entry("e", "4750.00", "INV-9 less 250.00 damaged goods"), [item("INV-9", "5000.00")])
    assert r.decision is Decision.EXCEPTION and r.reason is ReasonCode.SHORT_PAYMENT
    assert r.candidates[0].invoice_number == "INV-9"


def test_overpayment() -> None:
    r = one(entry("e", "880.00", "INV-9"), [item("INV-9", "800.00")])
    assert r.reason is ReasonCode.OVERPAYMENT and r.allocations == ()


def test_discount_within_terms_and_not_after() -> None:
    inv = item("INV-9", "2000.00", discount_percent=D("2"), discount_until=DAY)
    assert allocs(one(entry("e", "1960.00", "INV-9 Skonto"), [inv])) == [
        ("INV-9", "1960.00", "0", "40.00")
    ]
    late = entry("e", "1960.00", "INV-9 Skonto", booked=DAY + dt.timedelta(days=1))
    assert one(late, [inv]).reason is ReasonCode.SHORT_PAYMENT


def test_partial_payment_announced_in_text() -> None:
    for text in ("INV-9 partial payment 1/3", "INV-9 Teilzahlung", "INV-9 a conto"):
        r = one(entry("e", "4000.00", text), [item("INV-9", "10000.00")])
        assert allocs(r) == [("INV-9", "4000.00", "0", "0")] and r.partial, text
    r = one(entry("e", "4000.00", "INV-9 11/2026"), [item("INV-9", "10000.00")])
    assert r.reason is ReasonCode.SHORT_PAYMENT  # a date is not "1/2"


def test_two_same_amount_invoices_are_ambiguous() -> None:
    items = [item("A-1", "2000.00"), item("A-2", "2000.00")]
    r = one(entry("e", "2000.00"), items)
    assert r.reason is ReasonCode.AMBIGUOUS
    assert {c.invoice_number for c in r.candidates} >= {"A-1", "A-2"}


def test_unique_amount_posts_below_reference_confidence() -> None:
    r = one(
        entry("e", "3333.33", "SEPA CREDIT TRANSFER"),
        [item("A-1", "3333.33"), item("A-2", "1500.00")],
    )
    assert allocs(r) == [("A-1", "3333.33", "0", "0")]
    assert r.rule == "amount_single" and 0.85 <= r.confidence < 0.97


def test_unique_combination_posts_and_non_unique_is_ambiguous() -> None:
    items = [item("A-1", "1200.00"), item("A-2", "1900.00"), item("A-3", "5000.00")]
    r = one(entry("e", "3100.00"), items)
    assert sorted(allocs(r)) == [("A-1", "1200.00", "0", "0"), ("A-2", "1900.00", "0", "0")]
    items += [item("A-4", "1000.00"), item("A-5", "2100.00")]
    r = one(entry("e", "3100.00"), items)
    assert r.reason is ReasonCode.AMBIGUOUS


def test_single_amount_and_a_combination_fitting_too_is_ambiguous() -> None:
    items = [item("A-1", "500.00"), item("A-2", "300.00"), item("A-3", "200.00")]
    assert one(entry("e", "500.00"), items).reason is ReasonCode.AMBIGUOUS


def test_no_amount_fits_known_payer_is_unmatched_with_candidates() -> None:
    r = one(
        entry("e", "1234.56", "REMITTANCE TO FOLLOW"),
        [item("A-1", "640.00"), item("A-2", "1240.00")],
    )
    assert r.reason is ReasonCode.UNMATCHED
    assert r.candidates[0].invoice_number == "A-2"


def test_combination_search_is_bounded() -> None:
    pool = [(item(f"A-{k}", "1.00"), D(2 * k + 2)) for k in range(40)]
    search = find_combinations(D("61.00"), pool, max_items=5, max_nodes=50)  # odd: no solution
    assert not search.conclusive
    search = find_combinations(D("6.00"), pool[:3], max_items=5, max_nodes=500)
    assert search.conclusive and len(search.solutions) == 1


def test_remittance_advice_drives_the_allocation() -> None:
    items = [item("INV-1", "1000.00"), item("INV-2", "600.00"), item("INV-3", "600.00")]
    advice = RemittanceAdvice(
        "Acme Industrial GmbH",
        "E2E-7",
        D("1597.00"),
        "EUR",
        (
            RemittanceLine("INV-1", D("1000.00")),
            RemittanceLine("INV-3", D("597.00"), D("3.00"), "bank fee"),
        ),
    )
    e = entry("e", "1597.00", "see advice", end_to_end_id="E2E-7")
    r = one(e, items, remittances=[advice])
    assert r.rule == "remittance_advice"
    assert allocs(r) == [("INV-1", "1000.00", "0", "0"), ("INV-3", "597.00", "3.00", "0")]


def test_remittance_deduction_beyond_tolerance_is_a_short_payment() -> None:
    items = [item("INV-1", "1000.00")]
    advice = RemittanceAdvice(
        "Acme",
        "E2E-8",
        D("900.00"),
        "EUR",
        (RemittanceLine("INV-1", D("900.00"), D("100.00"), "dispute"),),
    )
    r = one(entry("e", "900.00", end_to_end_id="E2E-8"), items, remittances=[advice])
    assert r.reason is ReasonCode.SHORT_PAYMENT


def test_currency_mismatch() -> None:
    r = one(entry("e", "100.00", "INV-1", currency="USD"), [item("INV-1", "100.00")])
    assert r.reason is ReasonCode.CURRENCY_MISMATCH


def test_below_threshold_becomes_low_confidence() -> None:
    cfg = MatchingConfig.from_dict({"auto_post_threshold": 0.95})
    r = one(entry("e", "3333.33"), [item("A-1", "3333.33")], config=cfg)
    assert r.reason is ReasonCode.LOW_CONFIDENCE and r.allocations == ()
    assert r.candidates[0].invoice_number == "A-1"


def test_debit_is_skipped() -> None:
    r = one(entry("e", "12.50", "fee", credit=False), [item("A-1", "12.50")])
    assert r.decision is Decision.SKIP and r.allocations == ()
