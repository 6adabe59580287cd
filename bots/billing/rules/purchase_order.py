"""The customer's purchase order: quoted where required, the customer's own, in force at
issue, with enough left for the invoice's gross total.

A PO is required when the customer master says so or the contract names one (then the
draft must quote that one).

Rules: BV-PO-MISSING, BV-PO-EXPIRED, BV-PO-EXCEEDED.
"""

from __future__ import annotations

from bots.billing.model import DraftInvoice
from bots.billing.rules.base import RuleResult, ValidationContext, show

__all__ = ["validate"]


def validate(draft: DraftInvoice, ctx: ValidationContext) -> list[RuleResult]:
    contract, customer = ctx.contract, ctx.customer
    required = bool(customer and customer.po_required) or bool(contract.po_number)
    quoted = (draft.po_number or "").strip()
    results: list[RuleResult] = []
    if required and not quoted:
        results.append(RuleResult(
            "BV-PO-MISSING", False, contract.po_number or "a purchase order number", "(none)",
            None, f"Customer {draft.customer_id} requires a purchase order number on its "
            "invoices; the draft quotes none."))
    elif contract.po_number and quoted != contract.po_number:
        results.append(RuleResult(
            "BV-PO-MISSING", False, contract.po_number, quoted, None,
            f"The draft quotes PO {quoted}; the contract's purchase order is "
            f"{contract.po_number}."))
    else:
        results.append(RuleResult(
            "BV-PO-MISSING", True, "a purchase order" if required else "not required",
            quoted or "(none)", None,
            f"The draft quotes PO {quoted}." if quoted else "No purchase order is required."))
    if not quoted:
        for rule in ("BV-PO-EXPIRED", "BV-PO-EXCEEDED"):
            results.append(RuleResult(rule, True, "", "(none)", None,
                                      "No purchase order quoted to check."))
        return results

    order = next((po for po in ctx.purchase_orders if po.number == quoted), None)
    if order is None or order.customer_id != draft.customer_id:
        whose = "is unknown" if order is None else f"belongs to {order.customer_id}"
        results.append(RuleResult("BV-PO-EXPIRED", False, f"a PO of {draft.customer_id}",
                                  quoted, None, f"Purchase order {quoted} {whose}."))
        results.append(RuleResult("BV-PO-EXCEEDED", True, "", quoted, None,
                                  "No balance to check on an unknown purchase order."))
        return results
    if order.expires is not None and order.expires < draft.issue_date:
        results.append(RuleResult(
            "BV-PO-EXPIRED", False, f"valid on {draft.issue_date}",
            f"expired {order.expires}", None,
            f"Purchase order {quoted} expired on {order.expires.isoformat()}, before the "
            f"issue date {draft.issue_date.isoformat()}."))
    else:
        until = f"until {order.expires}" if order.expires else "without end date"
        results.append(RuleResult("BV-PO-EXPIRED", True, f"valid on {draft.issue_date}", until,
                                  None, f"Purchase order {quoted} is in force ({until})."))
    ok = draft.gross_total <= order.remaining
    results.append(RuleResult(
        "BV-PO-EXCEEDED", ok, f"at most {show(order.remaining)}", show(draft.gross_total), None,
        f"The invoice fits in what remains of PO {quoted} ({show(order.remaining)})." if ok
        else f"The invoice's {show(draft.gross_total)} {draft.currency} exceeds the "
        f"{show(order.remaining)} left on PO {quoted}."))
    return results
