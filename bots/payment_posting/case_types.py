"""The payment-posting bot's exception cases: per reason, the bank line and what the bot
used, and the resolutions a person may choose.

* ``apply``      post the payment to invoices the person picks (the bot posts it); what is
  left of the payment may be left on account, refunded or written off in the same receipt
* ``on_account`` unapplied cash on the customer in the ERP; an unknown payer's payment to
  the ERP's suspense account
* ``refund``     pay a duplicate back: an ERP refund document, then a pain.001 credit
  transfer uploaded to the bank
* ``write_off``  close a difference in the ERP with a reason code from the configured list
  (a deduction with its dispute reason)
* ``accept_statement`` / ``reject_statement``  a statement whose balances do not add up:
  take its entries in after all (above the threshold with a second person), or quarantine it

Every resolution is carried out by the bot (:mod:`.carry_out`); the case resolves when the
ERP (and for a refund the bank) confirms it, with their document numbers.

A manual posting, a refund, a write-off or money left on account above the approval
threshold needs a second person (maker-checker). A technical failure past its retry limit
also offers ``retry`` (the orchestrator adds it to every case whose failure is technical).

Case data holds the work item's payload (``payload``: the bank line as ``entry``, the
statement, the matching decision); evidence paths point into it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bots.cashapp.matching.rule_notes import RULE_NOTES
from bots.payment_posting.allocations import PostingPlan, plan_posting, prepare_apply
from bots.payment_posting.evidence import CASE_EVIDENCE
from bots.payment_posting.refresh import REFRESH
from bots.payment_posting.settlement import (
    REST_ACTIONS,
    WRITE_OFF_REASONS,
    prepare_on_account,
    prepare_refund,
    prepare_write_off,
    rest_of_apply,
)
from bots.runtime.cases import CaseType, Evidence, Field, PreparedResolution, Resolution

__all__ = ["ACCEPT_STATEMENT", "APPLY", "CASE_TYPES", "ON_ACCOUNT", "REFUND",
           "REJECT_STATEMENT", "STATEMENT_OUT_OF_BALANCE", "WRITE_OFF"]

_LINE, _USED = "Bank line", "What the bot used"
EVIDENCE = (
    Evidence("payload.entry.counterparty_name", "Payer", group=_LINE),
    Evidence("payload.entry.counterparty_iban", "Payer IBAN", "mono", _LINE),
    Evidence("payload.entry.amount", "Amount", "money", _LINE),
    Evidence("payload.entry.currency", "Currency", group=_LINE),
    Evidence("payload.entry.value_date", "Value date", "date", _LINE),
    Evidence("payload.entry.booking_date", "Booking date", "date", _LINE),
    Evidence("payload.entry.remittance_text", "Remittance text", group=_LINE),
    Evidence("payload.entry.creditor_reference", "Creditor reference", "mono", _LINE),
    Evidence("payload.entry.end_to_end_id", "End-to-end id", "mono", _LINE),
    Evidence("payload.entry.bank_reference", "Bank reference", "mono", _LINE),
    Evidence("payload.customer_id", "Customer", group=_USED),
    Evidence("payload.rule", "Matching rule", "mono", _USED),
    Evidence("payload.confidence", "Confidence", group=_USED),
    Evidence("payload.explanation", "Explanation", group=_USED),
    Evidence("payload.learned", "Learned rules used", "table", _USED),
    Evidence("payload.statement.id", "Statement", "mono", _USED),
    Evidence("payload.statement.format", "Format", group=_USED),
    Evidence("payload.statement.account", "Account", "mono", _USED),
    *CASE_EVIDENCE,  # the customer, their open items and payments, a duplicate's original
)

_NOTE = Field("note", "Note", help="why (e.g. customer confirmed by phone)")


def _payment(case: Mapping[str, Any]) -> Decimal | None:
    amount = case.get("amount")
    return None if amount in (None, "") else Decimal(str(amount))


def _with_note(text: str, values: Mapping[str, Any]) -> str:
    note = str(values.get("note") or "").strip()
    return f"{text}: {note}" if note else text


_REASON = Field("reason", "Write-off reason", "choice", choices=WRITE_OFF_REASONS,
                help="the ERP's reason code of what is written off")
_DISPUTE = Field("dispute_reason", "Dispute reason", help="for a deduction: why the customer "
                 "deducted (e.g. damaged goods)")
_PAYEE = (Field("payee_name", "Payee", default="=payload.entry.counterparty_name"),
          Field("payee_iban", "Payee IBAN", default="=payload.entry.counterparty_iban"))


def prepare_apply_and_rest(case: Mapping[str, Any],
                           values: Mapping[str, Any]) -> PreparedResolution:
    """``apply``, and what is left of the payment handled in the same receipt."""
    prepared = prepare_apply(case, values)
    if not str(values.get("rest") or "").strip():  # no settlement of an earlier decision
        return PreparedResolution(payload={**prepared.payload, "settlement": None},
                                  amount=prepared.amount, summary=prepared.summary)
    payload = dict(prepared.payload)
    plan: PostingPlan = plan_posting(
        values.get("allocations") or (), payment_amount=_payment(case),
        candidates=case.get("candidates") or (),
        customer_id=str(values.get("customer_id") or "").strip() or None,
        default_customer=case.get("customer_id"))
    settlement, phrase = rest_of_apply(case, values, customer_id=plan.customer_id,
                                       allocations=payload["allocations"],
                                       applied=plan.applied)
    payload["settlement"] = settlement
    rest = (_payment(case) or Decimal(0)) - plan.applied
    summary = prepared.summary.split("; ")[0] + f"; {phrase}"
    return PreparedResolution(payload=payload, amount=max(plan.applied, rest),
                              summary=summary)


APPLY = Resolution(
    "apply", "Apply to invoices", approval="manual_posting", prepare=prepare_apply_and_rest,
    fields=(Field("allocations", "Invoices", "allocations", required=True),
            Field("customer_id", "Customer", default="=payload.customer_id"),
            Field("rest", "The rest of the payment", "choice", choices=REST_ACTIONS,
                  help="what happens to what is not applied (refund: to the payee below)"),
            _REASON, _DISPUTE, *_PAYEE, _NOTE),
    help="Pick the invoices the payment belongs to; the bot posts it in the ERP.")
ON_ACCOUNT = Resolution(
    "on_account", "Leave on account", approval="on_account", prepare=prepare_on_account,
    fields=(Field("customer_id", "Customer", default="=payload.customer_id",
                  help="empty: the payer is unknown, the cash goes to the suspense account"),
            _NOTE),
    help="The bot books the payment as unapplied cash on the customer in the ERP.")
REFUND = Resolution(
    "refund", "Refund", approval="refund", prepare=prepare_refund,
    fields=(Field("amount", "Amount", "money", default="=payload.entry.amount"), *_PAYEE,
            _NOTE),
    help="The bot books a refund document in the ERP and uploads the credit transfer "
    "(pain.001) to the bank.")
WRITE_OFF = Resolution(
    "write_off", "Write off difference", approval="write_off", prepare=prepare_write_off,
    fields=(Field("amount", "Amount", "money", required=True),
            Field("invoice_number", "Invoice", help="empty: the case's only candidate"),
            _REASON, _DISPUTE, _NOTE),
    help="The bot applies the payment and writes the difference off in the ERP.")


def prepare_accept_statement(case: Mapping[str, Any],
                             values: Mapping[str, Any]) -> PreparedResolution:
    """Take the statement in although its balances do not add up: the difference is what
    the approval threshold is checked against."""
    difference = _payment(case) or Decimal("0")
    return PreparedResolution(
        amount=difference, summary=_with_note(
            f"statement accepted with a difference of {difference:.2f}; its entries are "
            "taken in on the bot's next run", values))


def prepare_reject_statement(case: Mapping[str, Any],
                             values: Mapping[str, Any]) -> PreparedResolution:
    return PreparedResolution(summary=_with_note(
        "statement rejected; the bot moves the file to quarantine on its next run", values))


#: the reason of a statement whose balances do not add up (see ``statement_review``)
STATEMENT_OUT_OF_BALANCE = "STATEMENT_OUT_OF_BALANCE"
_STATEMENT, _BALANCES = "Statement", "Balances"
STATEMENT_EVIDENCE = (
    Evidence("payload.statement.account_iban", "Account", group=_STATEMENT),
    Evidence("payload.statement.statement_id", "Statement", "mono", _STATEMENT),
    Evidence("payload.statement.sequence", "Sequence", "mono", _STATEMENT),
    Evidence("payload.statement.format", "Format", "mono", _STATEMENT),
    Evidence("payload.statement.currency", "Currency", group=_STATEMENT),
    Evidence("payload.statement.from_date", "From", "date", _STATEMENT),
    Evidence("payload.statement.to_date", "To", "date", _STATEMENT),
    Evidence("payload.file", "File", "mono", _STATEMENT),
    Evidence("payload.balance.opening", "Opening balance", "money", _BALANCES),
    Evidence("payload.balance.entries_sum", "Sum of the entries", "money", _BALANCES),
    Evidence("payload.balance.expected_closing", "Closing the entries explain", "money",
             _BALANCES),
    Evidence("payload.balance.closing", "Closing balance", "money", _BALANCES),
    Evidence("payload.balance.difference", "Difference", "money", _BALANCES),
    Evidence("payload.entries", "Entries", "table", "Entries"),
)
ACCEPT_STATEMENT = Resolution(
    "accept_statement", "Accept the statement", approval="accept_statement",
    prepare=prepare_accept_statement, fields=(_NOTE,),
    help="Its entries are taken in as payments on the bot's next run, as listed here.")
REJECT_STATEMENT = Resolution(
    "reject_statement", "Reject the statement", prepare=prepare_reject_statement,
    fields=(Field("note", "Note", required=True, help="why (e.g. the bank sends a "
                  "corrected statement)"),),
    help="Nothing of it is posted; the bot moves the file to quarantine.")

# most useful first: the page offers them in this order
_BY_REASON: dict[str, tuple[str, tuple[Resolution, ...]]] = {
    "UNMATCHED": ("No open invoice matches", (APPLY, ON_ACCOUNT, REFUND, WRITE_OFF)),
    "AMBIGUOUS": ("Several invoices fit equally", (APPLY, ON_ACCOUNT)),
    "SHORT_PAYMENT": ("Paid less than the invoice", (APPLY, WRITE_OFF, ON_ACCOUNT)),
    "OVERPAYMENT": ("Paid more than the invoice", (APPLY, REFUND, WRITE_OFF, ON_ACCOUNT)),
    "DUPLICATE": ("Paid twice", (REFUND, ON_ACCOUNT, APPLY)),
    "UNKNOWN_PAYER": ("Payer not identified", (APPLY, REFUND, ON_ACCOUNT)),
    "LOW_CONFIDENCE": ("Match too uncertain to post", (APPLY, ON_ACCOUNT)),
    "CURRENCY_MISMATCH": ("Paid in another currency", (APPLY, REFUND, ON_ACCOUNT)),
    "ERP_REJECTED": ("The ERP refused the posting", (APPLY, ON_ACCOUNT, WRITE_OFF)),
    "TOO_MANY_INVOICES": ("More invoices than the ERP form takes",
                          (APPLY, ON_ACCOUNT, WRITE_OFF)),
    "ERP_FORM_LIMIT": ("A write-off the ERP form cannot take", (APPLY, ON_ACCOUNT, WRITE_OFF)),
    "ERP_ALREADY_BOOKED": ("The ERP holds another booking of this payment",
                           (APPLY, ON_ACCOUNT, REFUND, WRITE_OFF)),
    # nothing to carry out: the item came from a queue, not from a case (it is looked
    # into, the payment settled from its own case)
    "SETTLEMENT_WITHOUT_DECISION": ("A settlement no one decided", ()),
}
#: each reason in a sentence or two, for the person who opens the case
_SENTENCES = {
    "UNMATCHED": "The payment names no open invoice the bot could find, and no open amount "
    "of the payer (or combination of them) equals it.",
    "AMBIGUOUS": "More than one invoice, or combination of invoices, fits the payment "
    "equally well: the bot does not guess which the customer meant.",
    "SHORT_PAYMENT": "The customer paid less than the invoice is open for: a deduction, a "
    "discount taken after its date, or bank charges.",
    "OVERPAYMENT": "The customer paid more than the invoices are open for: the rest is left "
    "on account, refunded or written off.",
    "DUPLICATE": "Payer, amount and reference repeat a payment received and posted before.",
    "UNKNOWN_PAYER": "Neither the payer's name, their IBAN nor the reference belongs to a "
    "known customer.",
    "LOW_CONFIDENCE": "The bot found a match, but is less sure of it than the level at "
    "which it posts on its own.",
    "CURRENCY_MISMATCH": "The payment is in another currency than the invoices it pays.",
    "ERP_REJECTED": "The ERP refused the cash receipt the bot entered; its message is in "
    "the history.",
    "TOO_MANY_INVOICES": "The payment pays more invoices than the ERP's receipt form has "
    "rows for.",
    "ERP_FORM_LIMIT": "The difference to close does not fit the ERP's receipt form (one "
    "difference per invoice row).",
    "ERP_ALREADY_BOOKED": "The ERP holds a booking of this bank reference with other "
    "documents than the decision needs: reverse it in the ERP first.",
    "SETTLEMENT_WITHOUT_DECISION": "A work item asked the bot to settle a payment (book "
    "write-offs, refunds or amounts on account) without a person's decision on its case. "
    "Nothing was booked or paid; find out who added the item (the audit trail's item.add).",
}
# technical failures past the retry limit: a retry (added by the orchestrator), or by hand
_TECHNICAL = ("BANK_MFA_REFUSED", "BANK_NOT_READY", "ERP_TROUBLE", "ERP_NOT_READY",
              "ERP_SESSION_EXPIRED", "ERP_UNEXPECTED_PAGE", "ERP_FORM_REFUSED",
              "ERP_SIGNED_OFF", "ERP_INPUT_MISMATCH", "PORTAL_UNAVAILABLE", "PORTAL_TROUBLE")

CASE_TYPES: tuple[CaseType, ...] = (
    *(CaseType(reason, title, _SENTENCES[reason], evidence=EVIDENCE,
               resolutions=resolutions, refresh=REFRESH, rule_notes=RULE_NOTES)
      for reason, (title, resolutions) in _BY_REASON.items()),
    *(CaseType(reason, reason.replace("_", " ").capitalize(), evidence=EVIDENCE,
               description="A technical failure past its retry limit: the bot could not "
               "finish this payment in the target system.",
               resolutions=(APPLY, ON_ACCOUNT), rule_notes=RULE_NOTES)
      for reason in _TECHNICAL),
    CaseType(STATEMENT_OUT_OF_BALANCE, "Statement balances do not add up",
             description="Opening balance plus the entries is not the closing balance. "
             "Nothing of the statement is posted until a person accepts it.",
             evidence=STATEMENT_EVIDENCE, resolutions=(ACCEPT_STATEMENT, REJECT_STATEMENT)),
)
