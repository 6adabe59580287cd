"""Plain language for finance: every reason says in a sentence what happened, a rule and a
confidence are explained where they are shown, and the inbox adds up the money of the cases
it lists, per reason and in all."""

from __future__ import annotations

import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from webharness import LiveServer

from bots.collections.case_types import CASE_TYPES as COLLECTIONS
from bots.credit.case_types import CASE_TYPES as CREDIT
from bots.payment_posting.case_types import CASE_TYPES as PAYMENT_POSTING
from orchestrator.services.inbox_totals import inbox_totals
from orchestrator.store.case_query import CaseFilter

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "inbox"))
from caseseed import candidate, seed_case

pytestmark = pytest.mark.web


def test_every_reason_of_every_bot_has_a_sentence() -> None:
    for case_type in (*PAYMENT_POSTING, *COLLECTIONS, *CREDIT):
        assert case_type.title and case_type.title != case_type.reason, case_type.reason
        assert len(case_type.description.split()) >= 6, case_type.reason
    overpaid = next(c for c in PAYMENT_POSTING if c.reason == "OVERPAYMENT")
    assert overpaid.title == "Paid more than the invoice"
    assert "invoice number" in overpaid.rule_note("invoice_exact")
    assert overpaid.rule_note("learned_payer_iban: C1006") != ""
    assert overpaid.rule_note("no_such_rule") == ""


def test_the_inbox_adds_up_the_money_per_reason(
        page_as: Callable[[str], Page], live_server: LiveServer) -> None:
    store, customer = live_server.store, "C-TOTALS-1"
    for reason, amount in (("AMBIGUOUS", "2000.00"), ("AMBIGUOUS", "150.25"),
                           ("SHORT_PAYMENT", "99.10"), ("SHORT_PAYMENT", "0.20"),
                           ("OVERPAYMENT", "0.10")):
        seed_case(store, reason=reason, amount=amount, customer=customer,
                  candidates=[candidate("INV-2026-1010", "2000.00", customer)])

    totals = inbox_totals(store, CaseFilter(customer=customer))
    assert [(r.reason, r.cases, r.amount) for r in totals.reasons] == [
        ("AMBIGUOUS", 2, Decimal("2150.25")), ("SHORT_PAYMENT", 2, Decimal("99.30")),
        ("OVERPAYMENT", 1, Decimal("0.10"))]
    assert totals.amount == Decimal("2249.65")  # exact: never a float's 2249.6499...

    page = page_as("finance_reviewer")
    page.goto(f"/inbox?customer={customer}")
    expect(page.locator(".money-total")).to_have_text("2,249.65")
    rows = page.locator("table.totals tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Several invoices fit equally")
    expect(rows.first).to_contain_text("2,150.25")
    row = page.locator("#case-table tbody tr", has_text="SHORT_PAYMENT").first
    expect(row.locator(".reason-sentence")).to_have_text("Paid less than the invoice")

    page.get_by_role("link", name="SHORT_PAYMENT 2").click()  # the reason's chip
    expect(page.locator(".money-total")).to_have_text("99.30")
    expect(page.locator("table.totals tbody tr")).to_have_count(1)


def test_the_case_page_explains_the_rule_and_the_confidence(
        page_as: Callable[[str], Page], live_server: LiveServer) -> None:
    seeded = seed_case(live_server.store, reason="LOW_CONFIDENCE", amount="480.00")
    page = page_as("finance_reviewer")
    page.goto(f"/cases/{seeded.id}")

    why = page.locator(".why")
    expect(why).to_contain_text("Match too uncertain to post")
    expect(why).to_contain_text("less sure of it than the level at which it posts")
    expect(why.locator(".confidence-note")).to_have_text(
        "0.50 of 1.00 (weak: only a hint): two open invoices have that amount")

    with live_server.store._tx(write=True) as s:  # a rule the bot explains
        from orchestrator.store.models import ExceptionCase
        case = s.get(ExceptionCase, seeded.id)
        case.rule = "invoice_fuzzy"
        s.add(case)
    page.reload()
    expect(why.locator(".rule-note")).to_contain_text("close to, but not the same as")
