"""The buyer's VAT ID: present where the tax treatment needs it, valid, the buyer's own.

A VAT ID is checked with python-stdnum (``stdnum.eu.vat``: format and check digits) and
its prefix must be the customer master's country (Greece's IDs start with EL). A reverse
charge invoice must quote the buyer's VAT ID; domestic invoices only when configured.

Rules: BV-VATID-MISSING, BV-VATID-INVALID.
"""

from __future__ import annotations

from stdnum.eu import vat
from stdnum.exceptions import ValidationError

from bots.billing.model import DraftInvoice
from bots.billing.rules.base import RuleResult, ValidationContext
from bots.billing.rules.tax import tax_treatment

__all__ = ["validate", "vat_prefix"]

_PREFIX = {"GR": "EL"}


def vat_prefix(country: str) -> str:
    """The prefix VAT IDs of ``country`` carry."""
    return _PREFIX.get(country.upper(), country.upper())


def _compact(value: str) -> str:
    try:
        return str(vat.compact(value))
    except ValidationError:
        return value.strip().upper()


def validate(draft: DraftInvoice, ctx: ValidationContext) -> list[RuleResult]:
    customer = ctx.customer
    treatment = tax_treatment(ctx.contract, customer, ctx.config)
    needed = treatment == "reverse_charge" or (
        treatment == "domestic" and ctx.config.domestic_vat_id_required)
    master_id = _compact(customer.vat_id) if customer and customer.vat_id else None
    draft_id = _compact(draft.buyer_vat_id) if draft.buyer_vat_id else None
    results: list[RuleResult] = []
    if needed and draft_id is None:
        where = (f"the master holds {master_id}" if master_id else
                 "the customer master holds none either")
        results.append(RuleResult(
            "BV-VATID-MISSING", False, master_id or "the buyer's VAT ID", "(none)", None,
            f"A {treatment.replace('_', ' ')} invoice must quote the buyer's VAT ID; "
            f"the draft has none ({where})."))
    else:
        results.append(RuleResult(
            "BV-VATID-MISSING", True, "a VAT ID" if needed else "not required",
            draft_id or "(none)", None,
            "The draft quotes the buyer's VAT ID." if draft_id else
            "No VAT ID is needed for this buyer."))

    checked = draft_id or master_id
    if checked is None:
        results.append(RuleResult("BV-VATID-INVALID", True, "", "(none)", None,
                                  "No VAT ID to check."))
        return results
    country = customer.country.upper() if customer else ""
    problem = ""
    if not vat.is_valid(checked):
        problem = f"{checked} is not a valid EU VAT ID (format or check digits)"
    elif country and not checked.startswith(vat_prefix(country)):
        problem = f"{checked} is not a VAT ID of {country}, the customer's country"
    elif draft_id and master_id and draft_id != master_id:
        problem = f"the draft quotes {draft_id} but the customer master holds {master_id}"
    expected = master_id or f"a valid {vat_prefix(country) if country else 'EU'} VAT ID"
    results.append(RuleResult("BV-VATID-INVALID", not problem, expected, checked, None,
                              f"The buyer's VAT ID: {problem}." if problem else
                              f"The buyer's VAT ID {checked} is valid."))
    return results
