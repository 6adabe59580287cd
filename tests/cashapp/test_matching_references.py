"""Rules a-c: structured references, invoice numbers in noisy text, payer identification."""

from __future__ import annotations

from matching_helpers import IBAN_A, IBAN_B, IBAN_X, entry, item

from bots.cashapp.identifiers import make_rf
from bots.cashapp.matching import match_statement
from bots.cashapp.model import Decision, ReasonCode

ITEMS = [
    item("INV-2026-1001", "1190.00", creditor_reference=make_rf("INV20261001")),
    item("INV-2026-1017", "500.00"),
    item("INV-2026-1002", "2380.00", "C2"),
]


def one(e, items=ITEMS, **kw):
    return match_statement([e], items, **kw)[0]


def posted(result) -> list[tuple[str, str]]:
    assert result.decision is Decision.POST, result
    return [(a.invoice_number, str(a.amount)) for a in result.allocations]


def test_valid_rf_posts_with_top_confidence() -> None:
    r = one(entry("e", "1190.00", ref=make_rf("INV20261001")))
    assert posted(r) == [("INV-2026-1001", "1190.00")]
    assert r.rule == "structured_reference" and r.confidence >= 0.99


def test_rf_in_the_text_counts_too() -> None:
    r = one(entry("e", "1190.00", f"ref {make_rf('INV20261001')}"))
    assert r.rule == "structured_reference"


def test_rf_with_wrong_check_digits_is_not_structured() -> None:
    bad = "RF00INV20261001"
    r = one(entry("e", "1190.00", ref=bad))
    assert r.rule != "structured_reference"


def test_exact_and_noisy_invoice_numbers_are_found() -> None:
    for text in (
        "INV-2026-1017",
        "Rechnung inv 2026 1017",
        "FACTURA 2026-1017",
        "INV2026 1017",
        "lNV-2O26-1Ol7",
        "invoice INV-2O26-1017 ok",
    ):
        assert posted(one(entry("e", "500.00", text))) == [("INV-2026-1017", "500.00")], text


def test_transposed_number_matches_within_the_payers_items() -> None:
    items = [item("INV-2026-1017", "500.00"), item("INV-2026-1350", "80.00")]
    r = one(entry("e", "500.00", "INV-2026-1071"), items)
    assert posted(r) == [("INV-2026-1017", "500.00")]
    assert r.rule == "invoice_reference" and "fuzzy" in r.explanation


def test_garbled_number_closer_to_another_payers_invoice_is_not_taken() -> None:
    items = [item("INV-2026-2010", "700.00"), item("INV-2026-2001", "700.00", "C2")]
    # "2OO1" folds to C2's INV-2026-2001; C1's 2010 is only a transposition away
    r = one(entry("e", "700.00", "INV-2026-2OO1"), items)
    assert r.decision is Decision.EXCEPTION
    assert {c.invoice_number for c in r.candidates} >= {"INV-2026-2001"}
    # and a fuzzy match tied with another customer's invoice is refused too
    items = [item("INV-2026-3012", "700.00"), item("INV-2026-3021", "700.00", "C2")]
    r = one(entry("e", "700.00", "INV-2026-3022"), items)
    assert r.decision is Decision.EXCEPTION, r


def test_fuzzy_reference_needs_the_amount_to_agree() -> None:
    items = [item("INV-2026-1017", "500.00"), item("INV-2026-1350", "80.00")]
    r = one(entry("e", "450.00", "INV-2026-1071"), items)
    assert r.decision is Decision.EXCEPTION


def test_two_equally_close_invoices_of_the_payer_are_not_guessed() -> None:
    r = one(entry("e", "500.00", "INV-2026-1071"))  # 1001 and 1017 are both one edit away
    assert r.decision is Decision.EXCEPTION
    assert {c.invoice_number for c in r.candidates} >= {"INV-2026-1001", "INV-2026-1017"}


def test_reference_to_another_customers_invoice_is_an_exception() -> None:
    r = one(entry("e", "2380.00", "INV-2026-1002"))  # C1's account pays C2's invoice
    assert r.decision is Decision.EXCEPTION and r.reason is ReasonCode.LOW_CONFIDENCE
    assert r.candidates[0].invoice_number == "INV-2026-1002"


def test_unknown_payer_with_exact_reference_posts_with_less_confidence() -> None:
    r = one(entry("e", "500.00", "INV-2026-1017", iban=IBAN_X, name="Factoring Bank plc"))
    assert posted(r) == [("INV-2026-1017", "500.00")]
    assert r.confidence < 0.97


def test_unknown_payer_with_garbled_reference_is_not_posted() -> None:
    r = one(entry("e", "500.00", "lNV-2O26-1Ol7", iban=IBAN_X, name="Nobody Ltd"))
    assert r.decision is Decision.EXCEPTION and r.reason is ReasonCode.LOW_CONFIDENCE


def test_payer_by_second_iban_and_by_name_without_legal_form() -> None:
    iban2 = IBAN_X
    items = [item("INV-1", "10.00", ibans=(IBAN_A,)), item("INV-2", "20.00", ibans=(iban2,))]
    r = one(entry("e", "20.00", iban=iban2, name="someone"), items)
    assert r.customer_id == "C1" and posted(r) == [("INV-2", "20.00")]
    r = one(entry("e", "10.00", iban=None, name="ACME INDUSTRIAL"), items)
    assert posted(r) == [("INV-1", "10.00")]
    r = one(entry("e", "10.00", iban=None, name="acme industrial g.m.b.h."), items)
    assert r.customer_id == "C1"


def test_unknown_payer_without_reference() -> None:
    r = one(entry("e", "615.40", "Order 55812", iban=IBAN_X, name="Zephyr Trading LLC"))
    assert r.decision is Decision.EXCEPTION and r.reason is ReasonCode.UNKNOWN_PAYER


def test_payer_name_equally_close_to_two_customers_identifies_nobody() -> None:
    items = [
        item("A-1", "10.00", "C7", name="Nordic Tools AS", ibans=()),
        item("B-1", "10.00", "C8", name="Nordic Tools AB", ibans=()),
    ]
    r = one(entry("e", "10.00", iban=None, name="NORDIC TOOLS"), items)
    assert r.reason is ReasonCode.UNKNOWN_PAYER


def test_fuzzy_payer_name_alone_is_not_enough_for_amount_matching() -> None:
    items = [item("A-1", "99.00", "C7", name="Granite Tools Inc.", ibans=())]
    r = one(entry("e", "99.00", iban=None, name="Granit Tools"), items)
    assert r.decision is Decision.EXCEPTION and r.reason is ReasonCode.LOW_CONFIDENCE
    assert r.candidates[0].invoice_number == "A-1"


def test_several_listed_invoices_settle_together() -> None:
    r = one(entry("e", "1690.00", "INV-2026-1001 / INV-2026-1017"))
    assert sorted(posted(r)) == [("INV-2026-1001", "1190.00"), ("INV-2026-1017", "500.00")]


def test_iban_of_other_customer_wins_over_name() -> None:
    r = one(entry("e", "2380.00", "INV-2026-1002", iban=IBAN_B, name="Acme Industrial GmbH"))
    assert r.customer_id == "C2" and r.decision is Decision.POST
