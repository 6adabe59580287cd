"""The credit bot's cases: a held order the policy does not release, routed by amount to a
credit analyst (``CREDIT_REVIEW_ANALYST``) or a credit manager (``CREDIT_REVIEW_MANAGER``).

Each shows the order, the customer's exposure and history as the bot read them in the ERP,
the rule that failed (and every other that did) and the order page's screenshot. A person
releases or rejects it with a reason; the bot carries the decision out in the ERP with the
reason and the approver's name, and the case resolves when the ERP shows it. A release the
policy puts under dual control (above ``routing.two_approvers_above``) waits for two
approvers other than the person who asks for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bots.runtime.cases import CaseType, Evidence, Field, PreparedResolution, Resolution

__all__ = ["CASE_TYPES", "RELEASE_APPROVAL"]

#: the approval kind of a person's release under dual control
RELEASE_APPROVAL = "credit_release"

_ORDER, _CUSTOMER, _POLICY = "Held order", "Customer's credit", "Credit policy"
EVIDENCE = (
    Evidence("facts.order", "Sales order", "mono", _ORDER),
    Evidence("facts.customer_id", "Customer", group=_ORDER),
    Evidence("facts.amount", "Order amount", "money", _ORDER),
    Evidence("facts.currency", "Currency", group=_ORDER),
    Evidence("facts.hold_reason", "Hold reason", group=_ORDER),
    Evidence("facts.credit_limit", "Credit limit", "money", _CUSTOMER),
    Evidence("facts.risk_class", "Risk class", group=_CUSTOMER),
    Evidence("facts.open_receivables", "Open receivables", "money", _CUSTOMER),
    Evidence("facts.open_orders", "Open orders", "money", _CUSTOMER),
    Evidence("facts.exposure_after_release", "Exposure after release", "money", _CUSTOMER),
    Evidence("facts.max_days_overdue", "Oldest item, days overdue", group=_CUSTOMER),
    Evidence("facts.avg_days_late", "Average days late (paid items)", group=_CUSTOMER),
    Evidence("facts.open_disputes", "Open disputes", group=_CUSTOMER),
    Evidence("rule", "Rule that failed", group=_POLICY),
    Evidence("failed_rules", "Every rule that failed", "json", _POLICY),
    Evidence("route_to", "Routed to", group=_POLICY),
    Evidence("approvers_needed", "Approvers a release needs", group=_POLICY),
)

_REASON = Field("reason", "Reason", "textarea", required=True,
                help="recorded in the ERP with the decision (e.g. limit raised by sales "
                     "director, bank guarantee received)")


def _order(case: Mapping[str, Any]) -> str:
    return str(((case.get("data") or {}).get("facts") or {}).get("order") or case.get("reference"))


def prepare_release(case: Mapping[str, Any], values: Mapping[str, Any]) -> PreparedResolution:
    """A release: under dual control when the bot's policy said so for this order."""
    data = case.get("data") or {}
    approvers = int(data.get("approvers_needed") or 0)
    amount = case.get("amount")
    return PreparedResolution(
        summary=f"Release {_order(case)}: {str(values.get('reason') or '').strip()}",
        amount=Decimal(str(amount)) if approvers and amount not in (None, "") else None,
        approvers=approvers or None)


def prepare_reject(case: Mapping[str, Any], values: Mapping[str, Any]) -> PreparedResolution:
    return PreparedResolution(
        summary=f"Reject {_order(case)}: {str(values.get('reason') or '').strip()}")


RESOLUTIONS = (
    Resolution("release", "Release the order", fields=(_REASON,), approval=RELEASE_APPROVAL,
               prepare=prepare_release,
               help="the bot releases it in the ERP with your reason and the approver",
               approval_note="Above the credit policy's dual-control limit (see 'Approvers a "
                             "release needs') that many approvers other than you must approve "
                             "first; below it the bot releases the order as you decide."),
    Resolution("reject", "Reject the order", fields=(_REASON,), prepare=prepare_reject,
               help="the bot rejects it in the ERP with your reason"),
)

CASE_TYPES = (
    CaseType("CREDIT_REVIEW_ANALYST", "Held order for a credit analyst",
             "The credit policy does not release this order by itself; its amount is within "
             "a credit analyst's authority.", EVIDENCE, RESOLUTIONS),
    CaseType("CREDIT_REVIEW_MANAGER", "Held order for a credit manager",
             "The credit policy does not release this order by itself; its amount needs a "
             "credit manager (and above the dual-control threshold two approvers).",
             EVIDENCE, RESOLUTIONS),
    CaseType("CREDIT_STATUS_CHANGED", "Order decided in the ERP meanwhile",
             "A person's decision could not be carried out: the ERP shows the order "
             "released or rejected by someone else.",
             (Evidence("erp_status", "Status in the ERP"), Evidence("decision", "Decision")),
             (Resolution("acknowledge", "Acknowledge", fields=(Field("note", "Note"),),
                         carried_out=False),)),
)
