"""The rules and the leakage report on the sandbox's seeded billing run, with no browser:
every draft of the day gets the outcome the run expects (released, or a case naming the
seeded rule) and the leakage report finds exactly the seeded leaks, to the cent."""

from __future__ import annotations

from typing import Any

import pytest

from bots.billing import model as m
from bots.billing.leakage import find_leakage
from bots.billing.rules import ValidationContext, default_rules, failures, validate
from sandbox.billing_scenario import BillingRun, build_billing_run

RUN: BillingRun = build_billing_run()


def _contract(c: Any) -> m.Contract:
    lines = tuple(m.ContractLine(ln.line_id, ln.sku, ln.description, ln.kind, ln.unit_price,
                                 ln.quantity, ln.unit, c.vat_category) for ln in c.lines)
    return m.Contract(c.number, c.customer_id, c.currency, c.start, c.end,
                      c.payment_terms_days, c.tax_treatment, c.billing, lines,
                      tuple(m.Discount(p, ends, line) for p, ends, line in c.discounts),
                      c.po_number)


def _invoice(d: Any) -> m.DraftInvoice:
    lines = tuple(m.DraftLine(ln.line_no, ln.contract_line_id, ln.description, ln.quantity,
                              ln.unit_price, ln.discount_percent, ln.net_amount,
                              ln.vat_category, ln.vat_rate) for ln in d.lines)
    return m.DraftInvoice(d.number, d.customer_id, d.contract_number, d.issue_date,
                          d.period_start, d.period_end, d.payment_terms_days, d.currency,
                          d.po_number, d.buyer_vat_id, lines, d.net_total, d.vat_total,
                          d.gross_total, d.status)


CONTRACTS = {c.number: _contract(c) for c in RUN.contracts}
AMENDMENTS = [m.Amendment(a.contract_number, a.effective, a.line_id, a.new_unit_price,
                          a.new_quantity) for a in RUN.amendments]
USAGE = [m.UsageRecord(u.contract_number, u.line_id, u.period_start, u.period_end, u.quantity)
         for u in RUN.usage]
MILESTONES = [m.Milestone(x.contract_number, x.line_id, x.name, x.due, x.amount, x.billed)
              for x in RUN.milestones]
MASTERS = {x.customer_id: m.CustomerMaster(x.customer_id, x.billing_name, x.street, x.postcode,
                                           x.city, x.country, x.vat_id, x.po_required)
           for x in RUN.masters}
POS = [m.PurchaseOrder(p.number, p.customer_id, p.amount, p.remaining, p.expires)
       for p in RUN.purchase_orders]
INVOICES = [_invoice(d) for d in RUN.invoices]


def _context(draft: m.DraftInvoice) -> ValidationContext:
    n = draft.contract_number
    return ValidationContext(
        CONTRACTS[n], MASTERS.get(draft.customer_id), default_rules(),
        [a for a in AMENDMENTS if a.contract_number == n],
        [u for u in USAGE if u.contract_number == n],
        [x for x in MILESTONES if x.contract_number == n],
        [p for p in POS if p.customer_id == draft.customer_id],
        [i for i in INVOICES if i.customer_id == draft.customer_id])


@pytest.mark.parametrize("number", sorted(RUN.expected))
def test_each_seeded_draft_gets_the_expected_outcome(number: str) -> None:
    draft = next(i for i in INVOICES if i.number == number)
    failed = {r.rule_id for r in failures(validate(draft, _context(draft)))}
    expected = RUN.expected[number]
    if expected == "release":
        assert failed == set()
    else:
        assert expected.removeprefix("case:") in failed


def test_the_leakage_report_finds_exactly_the_seeded_leaks() -> None:
    report = find_leakage(CONTRACTS.values(), AMENDMENTS, USAGE, MILESTONES, INVOICES,
                          RUN.billing_day)
    found = sorted((i.customer_id, i.contract_number, i.line_id, i.cause, i.period_start,
                    i.amount) for i in report.items)
    seeded = sorted((x.customer_id, x.contract_number, x.line_id, x.cause, x.period_start,
                     x.amount) for x in RUN.leaks)
    assert found == seeded and seeded
    total = sum(x.amount for x in RUN.leaks)
    assert sum(report.by_customer.values()) == total == sum(report.by_cause.values())
