"""Every rule on one draft: ``validate(draft, context)`` returns each rule's results."""

from __future__ import annotations

from collections.abc import Callable

from bots.billing.model import DraftInvoice
from bots.billing.rules import (
    duplicates,
    header,
    pricing,
    purchase_order,
    schedule,
    tax,
    totals,
    vat_id,
)
from bots.billing.rules.base import RuleResult, ValidationContext

__all__ = ["CHECKS", "failures", "validate"]

Check = Callable[[DraftInvoice, ValidationContext], list[RuleResult]]
CHECKS: tuple[Check, ...] = (header.validate, totals.validate, pricing.validate,
                             schedule.validate, tax.validate, vat_id.validate,
                             purchase_order.validate, duplicates.validate)


def validate(draft: DraftInvoice, ctx: ValidationContext) -> list[RuleResult]:
    """All results, passed and failed, in the order the checks run."""
    results: list[RuleResult] = []
    for check in CHECKS:
        results.extend(check(draft, ctx))
    return results


def failures(results: list[RuleResult]) -> list[RuleResult]:
    return [r for r in results if not r.passed]
