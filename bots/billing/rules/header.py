"""The draft's header against the contract and the customer master.

Rules: BV-CUSTOMER (the contract's customer, with complete billing master data),
BV-CURRENCY (the contract's currency), BV-TERMS (the contract's payment terms).
"""

from __future__ import annotations

from bots.billing.model import DraftInvoice
from bots.billing.rules.base import RuleResult, ValidationContext

__all__ = ["validate"]

_MASTER_FIELDS = ("billing_name", "street", "postcode", "city", "country")


def validate(draft: DraftInvoice, ctx: ValidationContext) -> list[RuleResult]:
    contract, customer = ctx.contract, ctx.customer
    results: list[RuleResult] = []
    if draft.customer_id != contract.customer_id:
        results.append(RuleResult("BV-CUSTOMER", False, contract.customer_id, draft.customer_id,
                                  None, f"The draft is addressed to {draft.customer_id}; "
                                  f"contract {contract.number} is {contract.customer_id}'s."))
    elif customer is None or customer.customer_id != draft.customer_id:
        results.append(RuleResult("BV-CUSTOMER", False, "a customer master record",
                                  "none", None, f"Customer {draft.customer_id} has no billing "
                                  "master data."))
    else:
        missing = [name for name in _MASTER_FIELDS if not str(getattr(customer, name)).strip()]
        results.append(RuleResult(
            "BV-CUSTOMER", not missing, "complete billing address",
            f"missing {', '.join(missing)}" if missing else "complete", None,
            f"Customer {customer.customer_id}'s master data lacks {', '.join(missing)}."
            if missing else f"Billed to {customer.billing_name}, the contract's customer."))

    ok = draft.currency == contract.currency
    results.append(RuleResult("BV-CURRENCY", ok, contract.currency, draft.currency, None,
                              "The draft is in the contract's currency." if ok else
                              f"The draft is in {draft.currency}; the contract bills in "
                              f"{contract.currency}."))

    ok = draft.payment_terms_days == contract.payment_terms_days
    results.append(RuleResult(
        "BV-TERMS", ok, f"{contract.payment_terms_days} days", f"{draft.payment_terms_days} days",
        None, "The payment terms are the contract's." if ok else
        f"The draft gives {draft.payment_terms_days} days to pay; the contract says "
        f"{contract.payment_terms_days}."))
    return results
