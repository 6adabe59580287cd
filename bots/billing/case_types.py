"""The billing-validation bot's cases.

``DRAFT_FAILED_CHECK``: a draft invoice that failed one or more billing rules. The case
names the first failing rule (``case.rule``) with its expected and found values, lists
every failing rule, and shows the contract lines, the draft lines, the customer's billing
master and the purchase order the bot read. A person corrects the draft (the bot edits it
in the billing portal, checks it again and releases it with its e-invoice), holds it or
cancels it; a cancellation above the bot's ``cancel_second_person_above`` waits for a
second person (see :mod:`bots.billing.resolutions`).

``REVENUE_LEAKAGE``: one of the largest items of the revenue-leakage report (a period or
usage never invoiced, a price below contract, a discount past its end), for its owner.
``DRAFT_CHANGED``: a decision could not be carried out because the draft is no longer a
draft in the portal (released, cancelled by someone else).
"""

from __future__ import annotations

from bots.billing.resolutions import BILLING_RESOLUTIONS, LEAKAGE_RESOLUTIONS
from bots.runtime.cases import CaseType, Evidence, Field, Resolution

__all__ = ["CASE_TYPES", "CHANGED", "FAILED", "LEAKAGE"]

FAILED, LEAKAGE, CHANGED = "DRAFT_FAILED_CHECK", "REVENUE_LEAKAGE", "DRAFT_CHANGED"

_RULE, _EXPECTED, _DRAFT = "Rule", "Expected and found", "Draft invoice"
_CONTRACT, _CUSTOMER, _PO = "Contract", "Customer master", "Purchase order"
EVIDENCE = (
    Evidence("rule", "Rule", "mono", _RULE),
    Evidence("rule_text", "What it checks", group=_RULE),
    Evidence("failed_rules", "Every rule that failed", "table", _RULE),
    Evidence("expected", "Expected", group=_EXPECTED),
    Evidence("found", "Found", group=_EXPECTED),
    Evidence("draft.number", "Draft", "mono", _DRAFT),
    Evidence("draft.period", "Period", group=_DRAFT),
    Evidence("draft.payment_terms_days", "Payment terms (days)", group=_DRAFT),
    Evidence("draft.po_number", "PO number", group=_DRAFT),
    Evidence("draft.buyer_vat_id", "Buyer VAT ID", group=_DRAFT),
    Evidence("draft.net_total", "Net total", "money", _DRAFT),
    Evidence("draft.vat_total", "VAT total", "money", _DRAFT),
    Evidence("draft.gross_total", "Gross total", "money", _DRAFT),
    Evidence("draft.table", "Draft lines", "table", _DRAFT),
    Evidence("contract.number", "Contract", "mono", _CONTRACT),
    Evidence("contract.billing", "Billing schedule", group=_CONTRACT),
    Evidence("contract.payment_terms_days", "Payment terms (days)", group=_CONTRACT),
    Evidence("contract.tax_treatment", "Tax treatment", group=_CONTRACT),
    Evidence("contract.table", "Contract lines", "table", _CONTRACT),
    Evidence("contract.discounts", "Discounts", "table", _CONTRACT),
    Evidence("customer.customer_id", "Customer", group=_CUSTOMER),
    Evidence("customer.billing_name", "Billing name", group=_CUSTOMER),
    Evidence("customer.address", "Address", group=_CUSTOMER),
    Evidence("customer.vat_id", "VAT ID", group=_CUSTOMER),
    Evidence("customer.po_required", "PO required", group=_CUSTOMER),
    Evidence("po.number", "PO", "mono", _PO),
    Evidence("po.remaining", "Remaining on PO", "money", _PO),
    Evidence("po.expires", "Expires", group=_PO),
)

_LEAK = "Leakage item"
LEAKAGE_EVIDENCE = (
    Evidence("leak.cause", "Cause", group=_LEAK),
    Evidence("leak.amount", "Amount not invoiced", "money", _LEAK),
    Evidence("leak.currency", "Currency", group=_LEAK),
    Evidence("leak.contract", "Contract", "mono", _LEAK),
    Evidence("leak.period", "Period", group=_LEAK),
    Evidence("leak.detail", "What the bot found", group=_LEAK),
    Evidence("owner", "Owner", group=_LEAK),
    Evidence("run.as_of", "Report as of", group="Report"),
    Evidence("run.rank", "Rank by amount", group="Report"),
)

CASE_TYPES = (
    CaseType(FAILED, "Draft invoice failed a billing rule",
             "The bot did not release this draft: it breaks the rule shown. Correct it (the "
             "bot edits the draft in the billing portal, checks it again and releases it "
             "with its e-invoice), hold it or cancel it.", EVIDENCE, BILLING_RESOLUTIONS),
    CaseType(LEAKAGE, "Revenue not invoiced under contract",
             "One of the largest items of the revenue-leakage report: billable under the "
             "contract but never invoiced, invoiced below the contract price, or discounted "
             "past the discount's end.", LEAKAGE_EVIDENCE, LEAKAGE_RESOLUTIONS),
    CaseType(CHANGED, "Draft changed in the portal meanwhile",
             "A person's decision could not be carried out: the billing portal shows the "
             "draft released, cancelled or changed by someone else.",
             (Evidence("portal_status", "Status in the portal"),
              Evidence("decision", "Decision")),
             (Resolution("acknowledge", "Acknowledge", fields=(Field("note", "Note"),),
                         carried_out=False),)),
)
