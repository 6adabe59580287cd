"""Matching with rules learned from people: who pays from an unknown account, how a customer
writes its invoice numbers, which of several fitting invoices it pays first. A learned rule
never posts where the amount or the invoice does not fit."""

from __future__ import annotations

from matching_helpers import IBAN_X, D, entry, item

from bots.cashapp.matching import match_statement
from bots.cashapp.matching.learned import (
    INVOICE_GROUP,
    PAYER_IBAN,
    REFERENCE_PATTERN,
    Hint,
    LearnedHints,
    infer_pattern,
    lessons,
)
from bots.cashapp.model import Decision, ReasonCode

FACTOR = "Nordic Factoring AB"


def _payer_rule(customer: str = "C2", rule_id: int = 1, case: int = 7) -> Hint:
    return Hint(rule_id, PAYER_IBAN, IBAN_X, {"customer_id": customer}, case, "fiona")


def _from_factor(entry_id: str, amount: str, text: str = "") -> object:
    return entry(entry_id, amount, text, iban=IBAN_X, name=FACTOR)


def test_learned_account_identifies_the_payer_and_cites_its_case() -> None:
    items = [item("INV-2026-2001", "700.00", "C2"), item("INV-2026-2002", "900.00", "C2")]
    payment = _from_factor("E1", "900.00")

    (before,) = match_statement([payment], items)
    (after,) = match_statement([payment], items, learned=LearnedHints([_payer_rule()]))

    assert before.decision is Decision.EXCEPTION and before.reason is ReasonCode.UNKNOWN_PAYER
    assert after.decision is Decision.POST
    assert [(a.invoice_number, a.amount) for a in after.allocations] == [
        ("INV-2026-2002", D("900.00"))]
    assert after.rule == "learned_payer_iban"
    assert after.explanation.startswith("learned from case 7 (fiona)")
    (use,) = after.learned
    assert (use.rule_id, use.source_case, use.without_reason) == (
        1, 7, ReasonCode.UNKNOWN_PAYER)


def test_learned_account_never_posts_an_amount_that_fits_nothing() -> None:
    items = [item("INV-2026-2001", "700.00", "C2")]
    (result,) = match_statement([_from_factor("E1", "650.00")], items,
                                learned=LearnedHints([_payer_rule()]))
    assert result.decision is Decision.EXCEPTION
    assert result.reason is ReasonCode.UNMATCHED
    assert result.allocations == ()


def test_account_learned_for_two_customers_identifies_nobody() -> None:
    items = [item("INV-2026-2001", "700.00", "C2"), item("INV-2026-3001", "700.00", "C3")]
    hints = LearnedHints([_payer_rule("C2", 1), _payer_rule("C3", 2, case=9)])
    (result,) = match_statement([_from_factor("E1", "700.00")], items, learned=hints)
    assert result.reason is ReasonCode.UNKNOWN_PAYER


def test_master_data_wins_over_a_learned_account() -> None:
    """The IBAN is on file for C1: a rule learned for C2 is not used."""
    items = [item("INV-2026-1001", "500.00", "C1"), item("INV-2026-2001", "500.00", "C2")]
    hint = Hint(1, PAYER_IBAN, items[0].customer_ibans[0], {"customer_id": "C2"}, 3, "fiona")
    (result,) = match_statement([entry("E1", "500.00")], items, learned=LearnedHints([hint]))
    assert result.decision is Decision.POST
    assert result.customer_id == "C1" and not result.learned


def test_reference_pattern_is_inferred_from_the_text_and_the_invoice() -> None:
    assert infer_pattern("Rg. 1234 vom 3.11.", "INV-2026-0001234") == {
        "anchor": "RG", "digits": 4, "prefix": "INV-2026-000"}
    assert infer_pattern("Zahlung 0001234", "INV-2026-0001234") == {
        "anchor": "ZAHLUNG", "digits": 7, "prefix": "INV-2026-"}
    assert infer_pattern("no digits here", "INV-2026-0001234") is None
    assert infer_pattern("Rg 5678", "INV-2026-0001234") is None
    assert infer_pattern("paid INV-2026-0001234 late", "INV-2026-0001234") is None
    assert infer_pattern("2026/11 1234", "INV-2026-0001234") is None  # bare and short


def _style_items() -> list[object]:
    # two invoices of the same amount: the amount alone cannot tell them apart
    return [item("INV-2026-0001234", "480.00", "C1"), item("INV-2026-0001240", "480.00", "C1"),
            item("INV-2026-0001251", "300.00", "C1")]


def _style_rule() -> Hint:
    return Hint(4, REFERENCE_PATTERN, "C1",
                {"anchor": "RG", "digits": 4, "prefix": "INV-2026-000"}, 12, "fiona")


def test_learned_reference_style_picks_the_invoice_the_customer_means() -> None:
    payment = entry("E1", "480.00", "Rg 1240 Danke")
    (before,) = match_statement([payment], _style_items())
    (after,) = match_statement([payment], _style_items(), learned=LearnedHints([_style_rule()]))
    assert before.reason is ReasonCode.AMBIGUOUS
    assert after.decision is Decision.POST and after.rule == "learned_reference_pattern"
    assert [a.invoice_number for a in after.allocations] == ["INV-2026-0001240"]
    assert "learned from case 12" in after.explanation
    assert after.learned[0].without_reason is ReasonCode.AMBIGUOUS


def test_learned_reference_style_never_posts_a_short_payment() -> None:
    """Rg 1251 names an invoice of 300.00; 250.00 does not settle it."""
    (result,) = match_statement([entry("E1", "250.00", "Rg 1251")], _style_items(),
                                learned=LearnedHints([_style_rule()]))
    assert result.decision is Decision.EXCEPTION and not result.allocations


def test_learned_reference_style_takes_bank_charges_within_tolerance() -> None:
    (result,) = match_statement([entry("E1", "298.50", "RG1251")], _style_items(),
                                learned=LearnedHints([_style_rule()]))
    assert result.decision is Decision.POST
    (alloc,) = result.allocations
    assert (alloc.invoice_number, alloc.amount, alloc.write_off) == (
        "INV-2026-0001251", D("298.50"), D("1.50"))


def test_learned_reference_style_ignores_invoices_of_other_customers() -> None:
    items = [*_style_items(), item("INV-2026-0001300", "480.00", "C2")]
    (result,) = match_statement([entry("E1", "480.00", "RG 1300")], items,
                                learned=LearnedHints([_style_rule()]))
    assert result.decision is Decision.EXCEPTION


def test_oldest_first_settles_an_ambiguous_amount() -> None:
    items = [item("INV-2026-1010", "2000.00", "C1"), item("INV-2026-1011", "2000.00", "C1")]
    hint = Hint(5, INVOICE_GROUP, "C1", {"criterion": "oldest_first"}, 3, "fiona")
    (before,) = match_statement([entry("E1", "2000.00")], items)
    (after,) = match_statement([entry("E1", "2000.00")], items, learned=LearnedHints([hint]))
    assert before.reason is ReasonCode.AMBIGUOUS
    assert after.decision is Decision.POST and after.rule == "learned_invoice_group"
    assert [a.invoice_number for a in after.allocations] == ["INV-2026-1010"]


def test_two_payments_of_one_statement_take_the_oldest_and_then_the_next() -> None:
    items = [item("INV-2026-1010", "2000.00", "C1"), item("INV-2026-1011", "2000.00", "C1")]
    hint = Hint(5, INVOICE_GROUP, "C1", {"criterion": "oldest_first"}, 3, "fiona")
    results = match_statement([entry("E1", "2000.00"), entry("E2", "2000.00")], items,
                              learned=LearnedHints([hint]))
    posted = [a.invoice_number for r in results if r.decision is Decision.POST
              for a in r.allocations]
    assert sorted(posted) == ["INV-2026-1010", "INV-2026-1011"]


def test_lessons_of_a_persons_allocation() -> None:
    bank_line = {"counterparty_iban": IBAN_X, "remittance_text": "Rg 1240", "amount": "480.00"}
    taught = lessons(reason="UNKNOWN_PAYER", entry=bank_line, customer_id="C1",
                     invoices=["INV-2026-0001240"])
    assert [(t.kind, t.key) for t in taught] == [(PAYER_IBAN, IBAN_X), (REFERENCE_PATTERN, "C1")]
    fits = [{"invoice_number": n, "why": "open amount fits the payment"}
            for n in ("INV-2026-1010", "INV-2026-1011")]
    group = lessons(reason="AMBIGUOUS", entry={"counterparty_iban": IBAN_X}, customer_id="C1",
                    invoices=["INV-2026-1010"], candidates=fits, engine_customer="C1")
    assert [t.kind for t in group] == [INVOICE_GROUP]
    assert lessons(reason="AMBIGUOUS", entry={}, customer_id="C1", invoices=["INV-2026-1011"],
                   candidates=fits, engine_customer="C1") == []
    assert lessons(reason="SHORT_PAYMENT", entry=bank_line, customer_id="C1",
                   invoices=["INV-2026-0001240"]) == []
