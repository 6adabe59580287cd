"""Pricing rules: each draft line against the contract line, its amendments and discounts.

Rules: BV-PRICE (unamended lines and milestones), BV-QUANTITY (recurring and usage lines,
and recurring contract lines the draft leaves out), BV-AMENDMENT (lines an amendment
changed), BV-DISCOUNT-EXPIRED and BV-DISCOUNT. Usage is billed on the invoice of the period
it was used in (usage records ending inside the draft's period).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from bots.billing.model import Amendment, DraftInvoice, DraftLine
from bots.billing.rules.base import RuleResult, ValidationContext, show
from bots.billing.rules.schedule import BillingPeriod, period_of
from bots.billing.rules.terms import discount_in_force, expired_discount, line_terms

__all__ = ["draft_period", "validate"]

_RULES = ("BV-PRICE", "BV-QUANTITY", "BV-AMENDMENT", "BV-DISCOUNT-EXPIRED", "BV-DISCOUNT")
_NONE_APPLY = {
    "BV-PRICE": "No line of this draft is billed at an unamended contract price.",
    "BV-QUANTITY": "No recurring or usage line on this draft.",
    "BV-AMENDMENT": "No amendment is in force for the period.",
    "BV-DISCOUNT-EXPIRED": "No line carries a discount past its end date.",
    "BV-DISCOUNT": "No line of this draft carries a discount the contract does not grant.",
}


def draft_period(draft: DraftInvoice, ctx: ValidationContext) -> BillingPeriod:
    """The schedule period the draft bills (its own dates when they match none)."""
    period = period_of(ctx.contract, draft.period_start, ctx.milestones)
    if period is not None and period.start == draft.period_start \
            and period.end == draft.period_end:
        return period
    return BillingPeriod(0, draft.period_start, draft.period_end, draft.period_end,
                         draft.period_start)


def _differs(a: Decimal, b: Decimal, tolerance: Decimal) -> bool:
    return abs(a - b) > tolerance


def _check_discount(line: DraftLine, ctx: ValidationContext,
                    period: BillingPeriod) -> list[RuleResult]:
    line_id = line.contract_line_id or ""
    expected = discount_in_force(ctx.contract.discounts, line_id, period)
    found = line.discount_percent
    ended = expired_discount(ctx.contract.discounts, line_id, period)
    if found == expected:
        message = (f"The discount of {show(found)}% is the one in force for the period."
                   if found else "No discount applies and none is given.")
        return [RuleResult("BV-DISCOUNT", True, f"{show(expected)}%", f"{show(found)}%",
                           line.line_no, message)]
    if ended is not None and found > expected:
        return [RuleResult("BV-DISCOUNT-EXPIRED", False, f"{show(expected)}%", f"{show(found)}%",
                           line.line_no,
                           f"Line {line.line_no} still gives a {show(found)}% discount that "
                           f"ended on {ended.ends.isoformat()}, before the period started.")]
    return [RuleResult("BV-DISCOUNT", False, f"{show(expected)}%", f"{show(found)}%",
                       line.line_no,
                       f"Line {line.line_no} gives a {show(found)}% discount; the contract "
                       f"grants {show(expected)}% for the period.")]


def _usage(ctx: ValidationContext, line_id: str, period: BillingPeriod) -> Decimal:
    return sum((u.quantity for u in ctx.usage
                if u.contract_number == ctx.contract.number and u.line_id == line_id
                and period.start <= u.period_end <= period.end), Decimal(0))


def _milestones_due(ctx: ValidationContext, line_id: str, start: date, end: date) -> Decimal:
    return sum((m.amount for m in ctx.milestones
                if m.contract_number == ctx.contract.number and m.line_id == line_id
                and start <= m.due <= end), Decimal(0))


def validate(draft: DraftInvoice, ctx: ValidationContext) -> list[RuleResult]:
    contract, config = ctx.contract, ctx.config
    period = draft_period(draft, ctx)
    by_line = {line.line_id: line for line in contract.lines}
    amendments: dict[str, list[Amendment]] = defaultdict(list)
    for amendment in sorted(ctx.amendments, key=lambda a: a.effective):
        if amendment.contract_number == contract.number:
            amendments[amendment.line_id].append(amendment)
    tolerance = config.price_tolerance
    results: list[RuleResult] = []
    billed: set[str] = set()
    for line in draft.lines:
        cline = by_line.get(line.contract_line_id or "")
        if cline is None:
            results.append(RuleResult(
                "BV-PRICE", False, f"a line of contract {contract.number}",
                show(line.contract_line_id), line.line_no,
                f"Line {line.line_no} ({line.description}) is not a line of contract "
                f"{contract.number}."))
            continue
        billed.add(cline.line_id)
        results.extend(_check_discount(line, ctx, period))
        if cline.kind == "milestone":
            due = _milestones_due(ctx, cline.line_id, draft.period_start, draft.period_end)
            found = line.quantity * line.unit_price
            ok = not _differs(found, due, tolerance)
            results.append(RuleResult(
                "BV-PRICE", ok, show(due), show(found), line.line_no,
                f"Line {line.line_no} bills the milestones due in the period ({show(due)})."
                if ok else f"Line {line.line_no} bills {show(found)}; the milestones of "
                f"{cline.line_id} due in the period come to {show(due)}."))
            continue
        terms = line_terms(cline, amendments.get(cline.line_id, ()), period,
                           config.mid_period_amendment)
        expected_qty = (terms.quantity if cline.kind == "recurring"
                        else _usage(ctx, cline.line_id, period))
        if terms.amended:
            last = terms.amendments[-1]
            price_ok = not _differs(line.unit_price, terms.unit_price, tolerance)
            qty_ok = line.quantity == expected_qty
            ok = price_ok and qty_ok
            results.append(RuleResult(
                "BV-AMENDMENT", ok,
                f"{show(expected_qty)} x {show(terms.unit_price)}",
                f"{show(line.quantity)} x {show(line.unit_price)}", line.line_no,
                f"Line {line.line_no} applies the amendment effective "
                f"{last.effective.isoformat()}." if ok else
                f"Line {line.line_no} does not apply the amendment effective "
                f"{last.effective.isoformat()}: the period bills {show(expected_qty)} x "
                f"{show(terms.unit_price)} {contract.currency}."))
            continue
        price_ok = not _differs(line.unit_price, terms.unit_price, tolerance)
        results.append(RuleResult(
            "BV-PRICE", price_ok, show(terms.unit_price), show(line.unit_price), line.line_no,
            f"Line {line.line_no} is billed at the contract price." if price_ok else
            f"Line {line.line_no} is billed at {show(line.unit_price)} {contract.currency}; "
            f"the contract price is {show(terms.unit_price)}."))
        qty_ok = line.quantity == expected_qty
        what = "contracted quantity" if cline.kind == "recurring" else "usage of the period"
        results.append(RuleResult(
            "BV-QUANTITY", qty_ok, show(expected_qty), show(line.quantity), line.line_no,
            f"Line {line.line_no} bills the {what}." if qty_ok else
            f"Line {line.line_no} bills {show(line.quantity)} {cline.unit}; the {what} is "
            f"{show(expected_qty)}."))
    if contract.billing != "milestones":
        for cline in contract.lines:
            if cline.kind == "recurring" and cline.line_id not in billed:
                results.append(RuleResult(
                    "BV-QUANTITY", False, f"{cline.line_id} billed", "not on the draft", None,
                    f"The recurring line {cline.line_id} ({cline.description}) of the "
                    "contract is missing from the draft."))
    reported = {r.rule_id for r in results}
    results.extend(RuleResult(rule, True, "", "", None, _NONE_APPLY[rule])
                   for rule in _RULES if rule not in reported)
    return results
