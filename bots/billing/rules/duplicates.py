"""Duplicate billing: another draft or invoice of the contract for the same period and the
same gross amount (an exact copy, unlike a mere overlap, which BV-PERIOD-DUP reports).

Rule: BV-DUPLICATE.
"""

from __future__ import annotations

from bots.billing.model import DraftInvoice
from bots.billing.rules.base import RuleResult, ValidationContext, show

__all__ = ["validate"]


def validate(draft: DraftInvoice, ctx: ValidationContext) -> list[RuleResult]:
    copies = [o for o in ctx.others(draft)
              if o.period_start == draft.period_start and o.period_end == draft.period_end
              and o.gross_total == draft.gross_total]
    key = f"{draft.contract_number} {draft.period_start}..{draft.period_end} " \
          f"{show(draft.gross_total)}"
    if copies:
        names = ", ".join(f"{o.number} ({o.status})" for o in copies)
        return [RuleResult("BV-DUPLICATE", False, "billed once", f"also {names}", None,
                           f"The same period and amount are already billed by {names}.")]
    return [RuleResult("BV-DUPLICATE", True, "billed once", key, None,
                       "No other draft or invoice bills the same period and amount.")]
