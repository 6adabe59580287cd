"""Tax rules: each line's VAT category and rate for the buyer's country.

The treatment follows the seller's country and the customer master's country: a buyer in
the seller's country is billed domestic rates per category; a buyer in another EU country
under reverse charge (category AE, rate 0); a buyer outside the EU as export (category G,
rate 0); a contract marked exempt as exempt (category E, rate 0). Whether the buyer's VAT
ID is present and valid is the VAT ID rules' concern (BV-VATID-MISSING, BV-VATID-INVALID):
a draft failing them is held too, so no reverse charge invoice leaves without a valid ID.

Rules: BV-VAT-RC, BV-VAT-EXPORT, BV-VAT-DOMESTIC (each line reported under one of them).
"""

from __future__ import annotations

from decimal import Decimal

from bots.billing.model import Contract, CustomerMaster, DraftInvoice, TaxTreatment
from bots.billing.rules.base import RuleResult, ValidationContext, show
from bots.billing.rules.config import BillingRules

__all__ = ["expected_vat", "tax_treatment", "validate"]

ZERO = Decimal(0)
_WHY = {"reverse_charge": "the buyer is in {country}, another EU country",
        "export": "the buyer is in {country}, outside the EU",
        "exempt": "the contract is exempt from VAT",
        "domestic": "the buyer is in {country}, the seller's country"}


def tax_treatment(contract: Contract, customer: CustomerMaster | None,
                  config: BillingRules) -> TaxTreatment:
    """The treatment the buyer's country calls for (the contract's when the master lacks one)."""
    if contract.tax_treatment == "exempt":
        return "exempt"
    country = (customer.country if customer is not None else "").upper()
    if not country:
        return contract.tax_treatment
    if country == config.seller_country:
        return "domestic"
    return "reverse_charge" if country in config.eu_countries else "export"


def expected_vat(treatment: TaxTreatment, category: str,
                 config: BillingRules) -> tuple[str, Decimal | None]:
    """(category, rate) a line of the contract's ``category`` carries; rate None: unknown."""
    if treatment == "reverse_charge":
        return "AE", ZERO
    if treatment == "export":
        return "G", ZERO
    if treatment == "exempt":
        return "E", ZERO
    domestic = category if category in config.domestic_rates else "S"
    return domestic, config.domestic_rates.get(domestic)


def validate(draft: DraftInvoice, ctx: ValidationContext) -> list[RuleResult]:
    treatment = tax_treatment(ctx.contract, ctx.customer, ctx.config)
    why = _WHY[treatment].format(country=ctx.customer.country if ctx.customer else "?")
    categories = {line.line_id: line.vat_category for line in ctx.contract.lines}
    results: list[RuleResult] = []
    for line in draft.lines:
        category = categories.get(line.contract_line_id or "", line.vat_category)
        want_cat, want_rate = expected_vat(treatment, category, ctx.config)
        if "AE" in (want_cat, line.vat_category):
            rule = "BV-VAT-RC"
        elif "G" in (want_cat, line.vat_category):
            rule = "BV-VAT-EXPORT"
        else:
            rule = "BV-VAT-DOMESTIC"
        ok = line.vat_category == want_cat and line.vat_rate == want_rate
        expected = f"{want_cat} {show(want_rate)}%"
        found = f"{line.vat_category} {show(line.vat_rate)}%"
        results.append(RuleResult(
            rule, ok, expected, found, line.line_no,
            f"Line {line.line_no} is taxed {expected}: {why}." if ok else
            f"Line {line.line_no} is taxed {found} but {why}, so it must be {expected}."))
    for rule, what in (("BV-VAT-RC", "reverse charge"), ("BV-VAT-EXPORT", "export"),
                       ("BV-VAT-DOMESTIC", "domestic")):
        if not any(r.rule_id == rule for r in results):
            results.append(RuleResult(rule, True, "", "", None,
                                      f"No line is or should be taxed as {what}: {why}."))
    return results
