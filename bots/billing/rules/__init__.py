"""The named billing-validation rules.

Identifiers starting ``BR-`` are the EN 16931 business rules of the same name; ``BV-`` are
finbots' own billing-validation rules. The identifiers are stable: results, cases and the
sandbox's seeded faults refer to them.

``validate(draft, context)`` runs every rule on a draft and returns one
:class:`RuleResult` or more per rule, passed or failed, each with the expected and the
found value. The rules live in small modules by subject: ``header`` (customer, currency,
terms), ``totals``, ``pricing`` (prices, quantities, amendments, discounts), ``schedule``,
``tax``, ``vat_id``, ``purchase_order``, ``duplicates``; ``config`` reads
``config/billing_rules.yaml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

RULES: Mapping[str, str] = MappingProxyType(
    {
        "BR-CO-10": "The sum of the line net amounts equals the invoice net total.",
        "BR-CO-15": "The invoice net total plus the VAT total equals the gross total.",
        "BR-CO-17": "The VAT of each category is its taxable amount times its rate, rounded.",
        "BV-LINE-NET": "Each line's net amount is quantity times unit price less its discount.",
        "BV-PRICE": "Each line is billed at the contract price in force for the period.",
        "BV-QUANTITY": "Recurring lines bill the contracted quantity, usage lines the usage.",
        "BV-AMENDMENT": "An amendment effective in or before the period is applied.",
        "BV-DISCOUNT-EXPIRED": "No discount is applied after the date the contract says it ends.",
        "BV-DISCOUNT": "Each line carries the discount the contract grants for the period.",
        "BV-PERIOD-DUP": "The period overlaps no period already billed for the contract.",
        "BV-PERIOD-GAP": "The period is the next one due, leaving no unbilled period before it.",
        "BV-PERIOD-SCHEDULE": "The billed period is a period of the contract's billing schedule.",
        "BV-TERMS": "The payment terms are those of the contract.",
        "BV-CURRENCY": "The invoice currency is the contract currency.",
        "BV-CUSTOMER": "The buyer is the contract's customer, with complete master data.",
        "BV-VATID-MISSING": "A buyer VAT ID is present where the tax treatment needs one.",
        "BV-VATID-INVALID": "The buyer VAT ID is valid and issued by the customer's country.",
        "BV-VAT-RC": "Reverse charge (AE, rate 0) applies to EU buyers abroad with a VAT ID.",
        "BV-VAT-DOMESTIC": "Domestic lines carry the seller country's rate for their VAT category.",
        "BV-VAT-EXPORT": "Buyers outside the EU are billed as export (category G, rate 0).",
        "BV-PO-MISSING": "A purchase order number is quoted where the customer requires one.",
        "BV-PO-EXPIRED": "The quoted purchase order is the customer's and unexpired at issue.",
        "BV-PO-EXCEEDED": "The invoice gross total fits in what remains of the purchase order.",
        "BV-DUPLICATE": "No invoice or earlier draft bills the same contract, period and amount.",
    }
)
"""Rule identifier -> the sentence a finance person reads next to its result."""

from bots.billing.rules.base import RuleResult, ValidationContext  # noqa: E402
from bots.billing.rules.config import BillingRules, check_billing_rules, default_rules  # noqa: E402
from bots.billing.rules.engine import failures, validate  # noqa: E402

__all__ = ["RULES", "BillingRules", "RuleResult", "ValidationContext", "check_billing_rules",
           "default_rules", "failures", "validate"]
