"""The refunds bot's cases: a credit balance the bot does not pay back by itself.

- ``REFUND_NO_BANK_DETAILS``: the ERP holds no bank details of the customer, or the IBAN
  (or BIC) is not valid. A person enters or corrects them in the ERP and asks the bot to
  go on (it checks them again, and freshly entered details then need verifying), or leaves
  the money on account.
- ``REFUND_VERIFY_BANK_DETAILS``: the bank details changed within the policy's days. A
  second person, neither the one who changed them in the ERP nor (later) the one who asks
  for the refund, verifies them, e.g. by calling the customer back on a number known from
  elsewhere, and records how; or leaves the money on account.
- ``REFUND_DONE_ELSEWHERE``: the ERP shows the balance refunded under another reference
  (or no longer shows it); the bot paid nothing, a person looks.
- ``REFUND_APPROVAL``: a refund above the policy's automatic limit. A person asks for it
  and a second person approves it (maker-checker through the orchestrator's approvals,
  whatever the approval threshold); the bot then carries it out.

A refund carried out is the ERP's refund document of the balance and one credit transfer
at the bank (EndToEndId: the ERP document number); the case resolves with both numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bots.runtime.cases import CaseType, Evidence, Field, PreparedResolution, Resolution

__all__ = ["APPROVAL", "CASE_TYPES", "DONE_ELSEWHERE", "NO_BANK_DETAILS", "REFUND_APPROVAL",
           "VERIFY"]

NO_BANK_DETAILS = "REFUND_NO_BANK_DETAILS"
VERIFY = "REFUND_VERIFY_BANK_DETAILS"
APPROVAL = "REFUND_APPROVAL"
DONE_ELSEWHERE = "REFUND_DONE_ELSEWHERE"
#: the approval kind of a refund of a credit balance
REFUND_APPROVAL = "credit_balance_refund"

_BALANCE, _BANK, _POLICY = "Credit balance", "Bank details in the ERP", "Refund policy"
EVIDENCE = (
    Evidence("balance.customer_name", "Customer", group=_BALANCE),
    Evidence("balance.customer_id", "Customer number", "mono", _BALANCE),
    Evidence("balance.amount", "Amount", "money", _BALANCE),
    Evidence("balance.currency", "Currency", group=_BALANCE),
    Evidence("balance.document", "Left by document", "mono", _BALANCE),
    Evidence("balance.created_on", "Since", "date", _BALANCE),
    Evidence("bank_details.holder", "Account holder", group=_BANK),
    Evidence("bank_details.iban", "IBAN", "mono", _BANK),
    Evidence("bank_details.bic", "BIC", "mono", _BANK),
    Evidence("bank_details.changed_on", "Last changed", "date", _BANK),
    Evidence("bank_details.changed_by", "Changed by", group=_BANK),
    Evidence("bank_problem", "What is wrong", group=_BANK),
    Evidence("verification.by", "Verified by", group=_BANK),
    Evidence("verification.how", "How verified", group=_BANK),
    Evidence("rule", "Rule", group=_POLICY),
    Evidence("business_date", "Business date", "date", _POLICY),
)

_NOTE = Field("note", "Note", "textarea", help="why the money stays on the customer's account")


def _data(case: Mapping[str, Any]) -> Mapping[str, Any]:
    return case.get("data") or {}


def _who(value: Any) -> str:
    return str(value or "").strip().casefold()


def _pinned(data: Mapping[str, Any]) -> dict[str, str]:
    details = data.get("bank_details") or {}
    return {"iban": str(details.get("iban") or ""),
            "changed_on": str(details.get("changed_on") or "")}


def prepare_verified(case: Mapping[str, Any], values: Mapping[str, Any]) -> PreparedResolution:
    """Verification by a second person: never the one who changed the details in the
    ERP; recorded with how it was done, pinned to the details verified."""
    data = _data(case)
    actor = str(case.get("requested_by") or "")
    changed_by = (data.get("bank_details") or {}).get("changed_by")
    if actor and _who(actor) == _who(changed_by):
        raise ValueError(f"{actor} changed these bank details in the ERP: a second person "
                         "must verify them")
    how = str(values.get("how") or "").strip()
    return PreparedResolution(
        payload={"verification": {"by": actor, "how": how, **_pinned(data)}},
        summary=f"Bank details verified: {how}")


def prepare_refund(case: Mapping[str, Any], values: Mapping[str, Any]) -> PreparedResolution:
    """A refund above the automatic limit: a second person approves it, always."""
    data = _data(case)
    actor = str(case.get("requested_by") or "")
    verification = dict(data.get("verification") or {})
    if actor and _who(actor) == _who(verification.get("by")):
        raise ValueError(f"{actor} verified the bank details: another person asks for the "
                         "refund")
    if actor and _who(actor) == _who((data.get("bank_details") or {}).get("changed_by")):
        raise ValueError(f"{actor} changed these bank details in the ERP and cannot ask for "
                         "a refund to them")
    amount = Decimal(str((data.get("balance") or {}).get("amount") or case.get("amount")))
    note = str(values.get("note") or "").strip()
    return PreparedResolution(
        payload={"approved_refund": {"amount": f"{amount:.2f}", **_pinned(data)},
                 **({"verification": verification} if verification else {})},
        amount=amount, approvers=1,
        summary=f"Refund {amount:.2f} to {_pinned(data)['iban']}" + (f": {note}" if note
                                                                      else ""))


KEEP = Resolution("keep_on_account", "Leave it on the customer's account", fields=(_NOTE,),
                  carried_out=False,
                  help="nothing is paid; the balance stays open in the ERP")

CASE_TYPES = (
    CaseType(NO_BANK_DETAILS, "Refund without usable bank details",
             "The ERP holds no bank details of the customer, or the IBAN or BIC is not "
             "valid: nothing was paid.", EVIDENCE, (
                 Resolution("details_entered", "Bank details entered in the ERP: go on",
                            fields=(Field("note", "Note", "textarea"),),
                            help="the bot reads them again and checks them; details "
                                 "entered now were changed recently, so a second person "
                                 "verifies them before the refund goes"),
                 KEEP)),
    CaseType(VERIFY, "Bank details changed recently: verify before refunding",
             "The customer's bank details changed shortly before this refund; money goes "
             "there only after a second person verified them.", EVIDENCE, (
                 Resolution("verified", "Bank details verified", fields=(
                     Field("how", "How verified", "textarea", required=True,
                           help="e.g. called back the customer's accounts payable on the "
                                "number of the contract (not the one in the change "
                                "request), who confirmed the IBAN"),),
                            prepare=prepare_verified,
                            help="the bot refunds to exactly these details (a refund "
                                 "above the limit still needs approval)"),
                 KEEP)),
    CaseType(APPROVAL, "Refund above the automatic limit",
             "Refunds above the policy's limit are paid only after a second person "
             "approved them.", EVIDENCE, (
                 Resolution("refund", "Refund the credit balance",
                            fields=(Field("note", "Note", "textarea"),),
                            approval=REFUND_APPROVAL, prepare=prepare_refund,
                            help="the bot posts the ERP refund and pays it by bank transfer "
                                 "once approved",
                            approval_note="Every refund above the refund policy's limit "
                                          "needs a second person's approval."),
                 KEEP)),
    CaseType(DONE_ELSEWHERE, "Balance refunded or gone in the ERP meanwhile",
             "The ERP shows this credit balance refunded under another reference, or no "
             "longer shows it: the bot paid nothing. Check the ERP's refund and the bank.",
             EVIDENCE, (Resolution("acknowledge", "Acknowledge",
                                   fields=(Field("note", "Note", "textarea"),),
                                   carried_out=False),)),
)
