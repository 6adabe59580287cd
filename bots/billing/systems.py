"""The billing bot's one view of its target systems and of the rules engine: drafts read
from the billing portal, the contract, master data and POs they are checked against, the
e-invoice, and the portal's release, correction, hold and cancellation (each idempotent
there, each answered with the portal's confirmation).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from bots.billing.einvoice import check_einvoice, einvoice_xml
from bots.billing.leakage import LeakageItem, find_leakage
from bots.billing.model import DraftInvoice
from bots.billing.rules.base import RuleResult, ValidationContext
from bots.billing.rules.config import BillingRules
from bots.billing.rules.engine import validate
from bots.billing.settings import BotSettings
from bots.runtime import ApplicationFailure, BusinessFailure, RunContext

__all__ = ["BillingSystems", "Checked", "Done"]


@dataclass(frozen=True, slots=True)
class Checked:
    """A draft's rule results and what it was checked against."""

    results: list[RuleResult]
    context: ValidationContext


@dataclass(frozen=True, slots=True)
class Done:
    """The portal's answer to a release, hold or cancellation."""

    confirmation: str
    status: str
    already: bool = False


class BillingSystems:
    """The billing portal and the ERP as the bot reads and changes them."""

    def __init__(self, ctx: RunContext, rules: BillingRules, settings: BotSettings, *,
                 portal_credential: str, erp_credential: str) -> None:
        from bots.billing.targets import BillingTargets

        self.ctx, self.rules, self.settings = ctx, rules, settings
        self.targets: Any = BillingTargets(ctx, portal_credential=portal_credential,
                                           erp_credential=erp_credential)

    def drafts(self) -> list[DraftInvoice]:
        """The portal's drafts waiting for release."""
        return [d for d in self.targets.drafts() if d.status == "draft"]

    def draft(self, number: str) -> DraftInvoice:
        found: DraftInvoice = self.targets.draft(number)
        return found

    def context(self, draft: DraftInvoice) -> ValidationContext:
        """What ``draft`` is checked against. Of the run's other drafts only those before
        it (by number) count as billed: of two drafts billing the same period the first is
        checked as the original, the second as its duplicate."""
        found: ValidationContext = self.targets.validation_context(draft, self.rules)
        earlier = tuple(o for o in found.other_invoices
                        if o.status not in ("draft", "held") or o.number < draft.number)
        return replace(found, other_invoices=earlier)

    def check(self, draft: DraftInvoice) -> Checked:
        context = self.context(draft)
        return Checked(validate(draft, context), context)

    def einvoice(self, draft: DraftInvoice, context: ValidationContext) -> bytes:
        """The draft's EN 16931 e-invoice (CII XML), valid against the schema."""
        if context.customer is None:
            raise BusinessFailure("EINVOICE_NO_BUYER", f"{draft.number}: the ERP holds no "
                                  f"billing master of {draft.customer_id}",
                                  customer=draft.customer_id)
        xml = einvoice_xml(draft, self.settings.seller, context.customer, self.rules)
        errors = check_einvoice(xml)
        if errors:
            raise ApplicationFailure("EINVOICE_INVALID", f"{draft.number}: the e-invoice "
                                     f"fails the EN 16931 schema: {errors[0]}")
        return xml

    def release(self, number: str, xml: bytes) -> Done:
        return self._done(self.targets.release(number, xml))

    def correct(self, number: str, correction: Mapping[str, str]) -> DraftInvoice:
        """Edit the draft as a person corrected it; the draft as the portal shows it after
        (its totals recomputed by the portal)."""
        found: DraftInvoice = self.targets.update_draft(number, dict(correction))
        return found

    def hold(self, number: str, reason: str) -> Done:
        return self._done(self.targets.hold(number, reason))

    def cancel(self, number: str, reason: str, approver: str = "") -> Done:
        return self._done(self.targets.cancel(number, reason, approver))

    def leakage(self, as_of: dt.date | None) -> tuple[dt.date, list[LeakageItem]]:
        """Every leak of every contract on ``as_of`` (default: the portal's billing day,
        the issue date of its newest invoices), read from the portal's contracts and all
        its invoices."""
        terms = self.targets.contract_terms()
        invoices = self.targets.invoices("all")
        day = as_of or max((i.issue_date for i in invoices), default=dt.date.today())
        report = find_leakage(terms.contracts.values(), terms.amendments, terms.usage,
                              terms.milestones, invoices, day, self.rules)
        return day, list(report.items)

    @staticmethod
    def _done(answer: Any) -> Done:
        return Done(str(getattr(answer, "confirmation", answer)),
                    str(getattr(answer, "status", "")),
                    bool(getattr(answer, "already", False)))
