"""The refunds bot's cases: a credit balance the bot does not pay back by itself.

- ``REFUND_NO_BANK_DETAILS``: the ERP holds no bank details of the customer, or the IBAN
  (or BIC) is not valid. Someone enters or corrects them in the ERP; then, as for a
  change, a person who did not make it verifies them (or the money stays on account).
- ``REFUND_VERIFY_BANK_DETAILS``: the bank details changed within the policy's days. A
  second person, not the one who changed them in the ERP, verifies them, e.g. by calling
  the customer back on a number known from elsewhere, and records how and the IBAN the
  customer confirmed; above the automatic limit a further person approves the refund
  (the orchestrator's approval: never the one who verified). Or the money stays on
  account.
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


def _limit_exceeded(data: Mapping[str, Any], amount: Decimal) -> bool:
    """Whether the run that opened the case found the amount above the automatic limit."""
    limit = data.get("auto_refund_up_to")
    return limit not in (None, "") and amount > Decimal(str(limit))


def _amount(case: Mapping[str, Any]) -> Decimal:
    data = _data(case)
    return Decimal(str((data.get("balance") or {}).get("amount") or case.get("amount")))


def prepare_verified(case: Mapping[str, Any], values: Mapping[str, Any]) -> PreparedResolution:
    """Bank details verified by a person who did not change them in the ERP, pinned to the
    IBAN they confirmed; above the automatic limit a second person approves the refund."""
    data = _data(case)
    actor = str(case.get("requested_by") or "")
    changed_by = (data.get("bank_details") or {}).get("changed_by")
    if actor and _who(actor) == _who(changed_by):
        raise ValueError(f"{actor} changed these bank details in the ERP: a second person "
                         "must verify them")
    iban = "".join(str(values.get("iban") or "").split()).upper()
    if not iban:
        raise ValueError("IBAN confirmed: required (the account the customer confirmed)")
    how = str(values.get("how") or "").strip()
    amount = _amount(case)
    approval = _limit_exceeded(data, amount)
    return PreparedResolution(
        payload={"verification": {"by": actor, "how": how, "iban": iban},
                 **({"approved_refund": {"amount": f"{amount:.2f}", "iban": iban}}
                    if approval else {})},
        amount=amount if approval else None, approvers=1 if approval else None,
        summary=f"Bank details verified ({iban}): {how}")


def prepare_refund(case: Mapping[str, Any], values: Mapping[str, Any]) -> PreparedResolution:
    """A refund above the automatic limit: a second person approves it, always; never
    asked for by the person who changed the bank details in the ERP."""
    data = _data(case)
    actor = str(case.get("requested_by") or "")
    if actor and _who(actor) == _who((data.get("bank_details") or {}).get("changed_by")):
        raise ValueError(f"{actor} changed these bank details in the ERP and cannot ask for "
                         "a refund to them")
    amount = _amount(case)
    iban = str((data.get("bank_details") or {}).get("iban") or "")
    note = str(values.get("note") or "").strip()
    return PreparedResolution(
        payload={"approved_refund": {"amount": f"{amount:.2f}", "iban": iban}},
        amount=amount, approvers=1,
        summary=f"Refund {amount:.2f} to {iban}" + (f": {note}" if note else ""))


KEEP = Resolution("keep_on_account", "Leave it on the customer's account", fields=(_NOTE,),
                  carried_out=False,
                  help="nothing is paid; the balance stays open in the ERP")

_VERIFIED = Resolution(
    "verified", "Bank details verified: refund", fields=(
        Field("iban", "IBAN confirmed", required=True,
              help="typed from what the customer confirmed (not copied from the ERP); the "
                   "bot pays only if the ERP holds exactly this IBAN"),
        Field("how", "How verified", "textarea", required=True,
              help="e.g. called back the customer's accounts payable on the number of the "
                   "contract (not the one in the change request), who confirmed the IBAN")),
    approval=REFUND_APPROVAL, prepare=prepare_verified,
    help="not by the person who changed the bank details in the ERP; the bot reads them "
         "again and refunds to them",
    approval_note="Above the refund policy's limit a second person approves the refund "
                  "too (neither you nor the one who changed the bank details).")

CASE_TYPES = (
    CaseType(NO_BANK_DETAILS, "Refund without usable bank details",
             "The ERP holds no bank details of the customer, or the IBAN or BIC is not "
             "valid: nothing was paid. Enter or correct them in the ERP, then a person who "
             "did not enter them verifies them with the customer.", EVIDENCE,
             (_VERIFIED, KEEP)),
    CaseType(VERIFY, "Bank details changed recently: verify before refunding",
             "The customer's bank details changed shortly before this refund; money goes "
             "there only after a second person verified them.", EVIDENCE,
             (_VERIFIED, KEEP)),
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
