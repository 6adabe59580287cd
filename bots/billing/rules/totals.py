"""Cross-field totals (EN 16931 BR-CO-10, BR-CO-15, BR-CO-17) and each line's own net.

Sums are compared exactly; computed amounts (a line's net, a category's VAT) within the
configured ``rounding_tolerance``. VAT is computed per category and rate on the sum of its
lines' net amounts, rounded half up to cents, as EN 16931's VAT breakdown does.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from bots.billing.model import DraftInvoice, DraftLine
from bots.billing.rules.base import RuleResult, ValidationContext, money, show
from bots.billing.rules.terms import line_net

__all__ = ["check_totals", "validate", "vat_breakdown"]


Breakdown = dict[tuple[str, Decimal], tuple[Decimal, Decimal]]


def vat_breakdown(lines: tuple[DraftLine, ...]) -> Breakdown:
    """(category, rate) -> (taxable amount, VAT amount), in the lines' order of first use."""
    taxable: dict[tuple[str, Decimal], Decimal] = defaultdict(Decimal)
    for line in lines:
        taxable[(line.vat_category, line.vat_rate)] += line.net_amount
    return {key: (base, money(base * key[1] / 100)) for key, base in taxable.items()}


def validate(draft: DraftInvoice, ctx: ValidationContext) -> list[RuleResult]:
    return check_totals(draft, ctx.config.rounding_tolerance)


def check_totals(draft: DraftInvoice, tolerance: Decimal) -> list[RuleResult]:
    """The totals rules on the draft alone (what an e-invoice needs, whatever the contract)."""
    results: list[RuleResult] = []
    for line in draft.lines:
        expected = line_net(line.quantity, line.unit_price, line.discount_percent)
        ok = abs(expected - line.net_amount) <= tolerance
        results.append(RuleResult(
            "BV-LINE-NET", ok, show(expected), show(line.net_amount), line.line_no,
            f"Line {line.line_no}'s net amount is its quantity times price less discount."
            if ok else f"Line {line.line_no} shows {show(line.net_amount)}; "
            f"{show(line.quantity)} x {show(line.unit_price)} less {show(line.discount_percent)}%"
            f" is {show(expected)}."))
    if not draft.lines:
        results.append(RuleResult("BV-LINE-NET", False, "at least one line", "no lines", None,
                                  "The draft has no lines."))

    line_sum = sum((line.net_amount for line in draft.lines), Decimal(0))
    ok = line_sum == draft.net_total
    results.append(RuleResult(
        "BR-CO-10", ok, show(line_sum), show(draft.net_total), None,
        "The lines add up to the net total." if ok else
        f"The lines add up to {show(line_sum)} but the net total says {show(draft.net_total)}."))

    gross = draft.net_total + draft.vat_total
    ok = gross == draft.gross_total
    results.append(RuleResult(
        "BR-CO-15", ok, show(gross), show(draft.gross_total), None,
        "Net total plus VAT equals the gross total." if ok else
        f"Net {show(draft.net_total)} plus VAT {show(draft.vat_total)} is {show(gross)}, "
        f"but the gross total says {show(draft.gross_total)}."))

    breakdown = vat_breakdown(draft.lines)
    vat = sum((amount for _, amount in breakdown.values()), Decimal(0))
    ok = abs(vat - draft.vat_total) <= tolerance
    parts = "; ".join(f"{cat} {show(rate)}%: {show(base)} -> {show(amount)}"
                      for (cat, rate), (base, amount) in breakdown.items())
    results.append(RuleResult(
        "BR-CO-17", ok, show(vat), show(draft.vat_total), None,
        f"The VAT matches each category's amount times its rate ({parts})." if ok else
        f"The VAT total says {show(draft.vat_total)}; per category it is {show(vat)} "
        f"({parts})."))
    return results
