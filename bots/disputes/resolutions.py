"""What a person may decide on a dispute case (reason ``DISPUTE``), and how their input is
checked before anything is queued for the bot.

- **classify**: set or change the reason code (or accept the model's suggestion); the owner
  team and the SLA due date follow the reason book; a ``dispute_classification`` record says
  what was suggested and what the person chose. The dispute stays with its owner: the bot
  records the classification and hands the case back open (the case page shows the new
  reason).
- **credit_memo**: credit part or all of the disputed amount (gross, at most what is still
  disputed and not yet credited). Maker-checker by amount: above the orchestrator's
  threshold a second person approves (approval kind ``credit_memo``); above the bot's
  ``credit_two_approvers_above`` (default 1,000.00) two people other than the maker
  approve. Nothing reaches the billing portal before that: the bot requests the credit memo
  in the claims desk only when it carries the decision out, releases it with the approvers'
  names, and posts the same credit memo in the ERP.
- **reject**: the claim is unfounded; the customer reads the message in the portal and in
  the outcome mail; the invoice's status is restored.
- **write_off**: write (part of) the disputed amount off in the ERP with a reason from the
  configured list; approval by amount like other write-offs.

The ``prepare`` hooks see the case as the orchestrator stores it; the dispute is
``case.data["dispute"]`` (or ``case.data["payload"]["dispute"]``, the work item's payload).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bots.runtime.cases import Field, PreparedResolution, Resolution
from bots.runtime.errors import ConfigError
from bots.runtime.money import parse_amount

__all__ = ["CLASSIFY", "CREDIT_APPROVAL", "CREDIT_MEMO", "MAX_MESSAGE", "REASON_CODES",
           "REJECT", "RESOLUTIONS", "TWO_APPROVERS_ABOVE", "WRITE_OFF", "WRITE_OFF_APPROVAL",
           "WRITE_OFF_REASONS", "dispute_of", "prepare_classify", "prepare_credit_memo",
           "prepare_reject", "prepare_write_off", "reason_book"]

ZERO = Decimal("0.00")
#: approval kinds (the orchestrator's threshold applies to each)
CREDIT_APPROVAL, WRITE_OFF_APPROVAL = "credit_memo", "write_off"
#: above this gross amount a credit memo needs two approvers (the bot's configuration
#: ``credit_two_approvers_above``, written into the case when it opens, overrides it)
TWO_APPROVERS_ABOVE = Decimal("1000.00")
#: the longest message to the customer (the portal's rejection message)
MAX_MESSAGE = 1000
MAX_NOTE = 500

#: the reason codes of the shipped reason book (value, label) when it cannot be loaded
_FALLBACK_CODES: tuple[tuple[str, str], ...] = (
    ("PRICING", "Pricing discrepancy"),
    ("QUANTITY", "Quantity or short shipment"),
    ("DAMAGED", "Damaged goods"),
    ("RETURNED", "Goods returned"),
    ("DUPLICATE_BILLING", "Duplicate billing"),
    ("TAX", "Tax charged in error"),
    ("NOT_ORDERED", "Goods not ordered"),
    ("SERVICE_NOT_RENDERED", "Service not rendered"),
    ("OTHER", "Other or unclear"),
)


def _reason_choices() -> tuple[tuple[str, str], ...]:
    """The form's choices: the shipped reason book's codes and labels."""
    try:
        from bots.disputes.reasons import load_reason_book

        return tuple((c.code, c.label) for c in load_reason_book().codes)
    except (ImportError, ConfigError):
        return _FALLBACK_CODES


#: owner team and SLA hours per reason when the reason book cannot be loaded
_FALLBACK_OWNERS = {"PRICING": "sales", "QUANTITY": "operations", "DAMAGED": "operations",
                    "RETURNED": "operations", "DUPLICATE_BILLING": "finance",
                    "TAX": "finance", "NOT_ORDERED": "sales",
                    "SERVICE_NOT_RENDERED": "operations", "OTHER": "finance"}
_FALLBACK_SLA_HOURS = 72
REASON_CODES = _reason_choices()

#: the ERP's write-off reasons a dispute may be closed with (value, label)
WRITE_OFF_REASONS: tuple[tuple[str, str], ...] = (
    ("GOODWILL", "Goodwill (customer relationship)"),
    ("SMALL_BALANCE", "Small balance, not worth pursuing"),
    ("UNPROVABLE", "Claim cannot be disproved"),
    ("DEDUCTION", "Deduction accepted"),
)
_WRITE_OFF_CODES = {code for code, _ in WRITE_OFF_REASONS}


def dispute_of(case: Mapping[str, Any]) -> Mapping[str, Any]:
    """The case's ``dispute`` object (empty when the case has none)."""
    data = case.get("data") or {}
    found = data.get("dispute") or (data.get("payload") or {}).get("dispute")
    return found if isinstance(found, Mapping) else {}


def reason_book() -> Any:
    """The reason book (bots.disputes.reasons), or None when it cannot be loaded."""
    try:
        from bots.disputes.reasons import load_reason_book
    except ImportError:
        return None
    return load_reason_book()


def _reason(code: str) -> tuple[str, str, int]:
    """(label, owner team, SLA hours) of ``code``; ValueError names the field."""
    code = code.strip().upper()
    book = reason_book()
    if book is not None:
        try:
            found = book.get(code)
        except ConfigError:  # the book's answer to an unknown code
            found = None
        if found is not None:
            return found.label, found.owner_team, int(found.sla_hours)
    labels = dict(REASON_CODES)
    if book is None and code in labels:
        return labels[code], _FALLBACK_OWNERS[code], _FALLBACK_SLA_HOURS
    raise ValueError(f"Reason code: {code or 'none'} is not in the reason book "
                     f"({', '.join(c for c, _ in REASON_CODES)})")


def _text(values: Mapping[str, Any], name: str) -> str:
    return str(values.get(name) or "").strip()


def _amounts(dispute: Mapping[str, Any]) -> dict[str, Decimal]:
    raw = dispute.get("amounts") or {}
    out = {}
    for name in ("invoice", "disputed", "credited", "paid", "written_off", "rejected"):
        value = raw.get(name)
        out[name] = ZERO if value in (None, "") else Decimal(str(value)).quantize(ZERO)
    return out


def _disputed(case: Mapping[str, Any], dispute: Mapping[str, Any]) -> Decimal:
    amounts = _amounts(dispute)
    if amounts["disputed"] > 0:
        return amounts["disputed"]
    raw = case.get("amount")
    if raw in (None, ""):
        raise ValueError("the case names no disputed amount")
    return Decimal(str(raw)).quantize(ZERO)


def _open_to_settle(case: Mapping[str, Any], dispute: Mapping[str, Any]) -> Decimal:
    """What of the disputed amount is neither credited nor written off yet."""
    amounts = _amounts(dispute)
    return _disputed(case, dispute) - amounts["credited"] - amounts["written_off"]


def _invoice(case: Mapping[str, Any], dispute: Mapping[str, Any]) -> str:
    return str(dispute.get("invoice_number") or case.get("reference") or "")


def _carried(case: Mapping[str, Any], dispute: Mapping[str, Any],
             decision: Mapping[str, Any]) -> dict[str, Any]:
    """The work item's payload: the decision and the dispute as the case shows it (the bot
    carries it out from these, whatever the claim's own payload held)."""
    return {**decision, "dispute": dict(dispute), "case_ref": _case_ref(case, dispute)}


def _case_ref(case: Mapping[str, Any], dispute: Mapping[str, Any]) -> str:
    return str(dispute.get("case_ref") or case.get("reference") or f"case-{case.get('id')}")


def _currency(dispute: Mapping[str, Any]) -> str:
    return str(dispute.get("currency") or "EUR")


def _note(values: Mapping[str, Any]) -> str:
    note = _text(values, "note")
    if len(note) > MAX_NOTE:
        raise ValueError(f"Note: at most {MAX_NOTE} characters, not {len(note)}")
    return note


def _two_approvers_above(case: Mapping[str, Any], dispute: Mapping[str, Any]) -> Decimal:
    data = case.get("data") or {}
    raw = dispute.get("credit_two_approvers_above", data.get("credit_two_approvers_above"))
    if raw in (None, ""):
        return TWO_APPROVERS_ABOVE
    return Decimal(str(raw))


def _sla_due(dispute: Mapping[str, Any], hours: int) -> str:
    """From the first claim's arrival (the intake's clock), ``hours`` later (ISO UTC)."""
    times = [dt.datetime.fromisoformat(str(c["received_at"]))
             for c in dispute.get("claims") or [] if c.get("received_at")]
    start = min(times) if times else dt.datetime.now(dt.UTC)
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.UTC)
    return (start + dt.timedelta(hours=hours)).astimezone(dt.UTC).isoformat()


def prepare_classify(case: Mapping[str, Any], values: Mapping[str, Any]) -> PreparedResolution:
    """Set or change the reason (or accept the suggestion): owner team and SLA follow."""
    dispute = dispute_of(case)
    suggestion = dispute.get("suggestion") or {}
    suggested = str(suggestion.get("code") or "").strip().upper()
    accept = str(values.get("accept_suggestion") or "").lower() in ("1", "true", "on", "yes")
    chosen = _text(values, "reason_code").upper()
    if accept:
        if not suggested:
            raise ValueError("Accept the suggestion: the model suggested no reason on this "
                             "case; choose the reason code")
        if chosen and chosen != suggested:
            raise ValueError(f"Reason code: {chosen} differs from the suggestion {suggested} "
                             "you accept; untick 'accept' to change it")
        chosen = suggested
    if not chosen:
        raise ValueError("Reason code: choose the dispute's reason (or accept the suggestion)")
    label, owner, hours = _reason(chosen)
    current = str(dispute.get("reason_code") or "").upper()
    if (chosen == current and dispute.get("classified_by") not in (None, "", "model")
            and not accept):
        raise ValueError(f"Reason code: the dispute is classified {chosen} already")
    classification = {
        "reason_code": chosen, "reason_label": label, "owner_team": owner,
        "sla_due": _sla_due(dispute, hours), "suggested": suggested or None,
        "confidence": suggestion.get("confidence"), "accepted": bool(suggested)
        and chosen == suggested, "previous": current or None, "note": _note(values)}
    what = (f"suggestion {chosen} accepted" if classification["accepted"]
            else f"classified {chosen}" + (f" (suggested {suggested})" if suggested else ""))
    return PreparedResolution(
        payload=_carried(case, dispute, {"classification": classification}),
        summary=f"{_invoice(case, dispute)}: {what}; owner {owner}, due "
                f"{classification['sla_due'][:16].replace('T', ' ')} UTC")


def prepare_credit_memo(case: Mapping[str, Any],
                        values: Mapping[str, Any]) -> PreparedResolution:
    """A credit memo of ``amount`` (gross) on the disputed invoice, approved by amount."""
    dispute = dispute_of(case)
    amount = parse_amount(values.get("amount"), "Amount")
    rest = _open_to_settle(case, dispute)
    if amount > rest:
        raise ValueError(f"Amount: {amount} is more than the {rest} still disputed and not "
                         "credited or written off")
    code = _text(values, "reason_code").upper() or str(dispute.get("reason_code") or "")
    label, _owner, _hours = _reason(code)
    note = _note(values)
    limit = _two_approvers_above(case, dispute)
    # what this dispute already moved counts too: two credit memos of 700.00 need the two
    # approvers one of 1,400.00 would (the limit cannot be split into smaller steps)
    moved = _disputed(case, dispute) - rest
    approvers = 2 if moved + amount > limit else None
    invoice, currency = _invoice(case, dispute), _currency(dispute)
    summary = (f"Credit memo of {amount:.2f} {currency} on {invoice} ({label})"
               + (f": {note}" if note else ""))
    return PreparedResolution(
        payload=_carried(case, dispute, {"credit_memo": {
            "amount": f"{amount:.2f}", "reason_code": code, "reason_label": label,
            "note": note, "invoice_number": invoice, "currency": currency}}),
        amount=amount, summary=summary, limit=_disputed(case, dispute), approvers=approvers)


def prepare_reject(case: Mapping[str, Any], values: Mapping[str, Any]) -> PreparedResolution:
    """Reject the claim with the message the customer reads."""
    dispute = dispute_of(case)
    message = _text(values, "message")
    if not message:
        raise ValueError("Message to the customer: say why the claim is rejected")
    if len(message) > MAX_MESSAGE:
        raise ValueError(f"Message to the customer: at most {MAX_MESSAGE} characters, not "
                         f"{len(message)}")
    if "\x00" in message:
        raise ValueError("Message to the customer: contains a NUL character")
    invoice = _invoice(case, dispute)
    return PreparedResolution(
        payload=_carried(case, dispute, {"rejection": {
            "message": message, "invoice_number": invoice, "note": _note(values)}}),
        summary=f"Claim on {invoice} rejected: {message[:120]}")


def prepare_write_off(case: Mapping[str, Any],
                      values: Mapping[str, Any]) -> PreparedResolution:
    """Write (part of) the disputed amount off in the ERP with a configured reason."""
    dispute = dispute_of(case)
    amount = parse_amount(values.get("amount"), "Amount")
    rest = _open_to_settle(case, dispute)
    if amount > rest:
        raise ValueError(f"Amount: {amount} is more than the {rest} still disputed and not "
                         "credited or written off")
    reason = _text(values, "reason").upper()
    if reason not in _WRITE_OFF_CODES:
        raise ValueError("Write-off reason: choose one of "
                         + ", ".join(code for code, _ in WRITE_OFF_REASONS))
    note = _note(values)
    invoice, currency = _invoice(case, dispute), _currency(dispute)
    label = dict(WRITE_OFF_REASONS)[reason]
    return PreparedResolution(
        payload=_carried(case, dispute, {"write_off": {
            "amount": f"{amount:.2f}", "reason": reason, "reason_label": label,
            "note": note, "invoice_number": invoice, "currency": currency}}),
        amount=amount, limit=_disputed(case, dispute),
        summary=f"{amount:.2f} {currency} written off on {invoice} ({label})"
                + (f": {note}" if note else ""))


_NOTE = Field("note", "Note", "textarea", help="kept with the decision in the case")
CLASSIFY = Resolution(
    "classify", "Classify", prepare=prepare_classify,
    fields=(Field("reason_code", "Reason code", "choice", choices=REASON_CODES,
                  default="=dispute.suggestion.code"),
            Field("accept_suggestion", "Accept the model's suggestion", "checkbox"),
            _NOTE),
    help="Set or change the dispute's reason (or accept the suggestion): the owner team and "
         "the SLA follow the reason; the case stays open for its owner.")
CREDIT_MEMO = Resolution(
    "credit_memo", "Credit memo", approval=CREDIT_APPROVAL, prepare=prepare_credit_memo,
    fields=(Field("amount", "Amount (gross)", "money", required=True,
                  default="=dispute.amounts.disputed"),
            Field("reason_code", "Reason code", "choice", choices=REASON_CODES,
                  default="=dispute.reason_code"),
            _NOTE),
    help="The bot requests the credit memo in the billing portal's claims desk, releases "
         "it with the approvers' names and posts it in the ERP.",
    approval_note="Above the approval threshold a second person approves; above the "
                  "disputes bot's two-approver limit (1,000.00 unless configured) two "
                  "people other than you approve. Nothing reaches the portal before.")
REJECT = Resolution(
    "reject", "Reject the claim", prepare=prepare_reject,
    fields=(Field("message", "Message to the customer", "textarea", required=True,
                  help=f"shown in the portal and sent by mail (at most {MAX_MESSAGE} "
                       "characters)"),
            _NOTE),
    help="The bot rejects the claim in the portal with your message; the invoice's status "
         "is restored and the customer gets the outcome by mail.")
WRITE_OFF = Resolution(
    "write_off", "Write off", approval=WRITE_OFF_APPROVAL, prepare=prepare_write_off,
    fields=(Field("amount", "Amount", "money", required=True,
                  default="=dispute.amounts.disputed"),
            Field("reason", "Write-off reason", "choice", required=True,
                  choices=WRITE_OFF_REASONS),
            _NOTE),
    help="The bot writes the amount off on the invoice in the ERP with the reason.")

RESOLUTIONS: tuple[Resolution, ...] = (CLASSIFY, CREDIT_MEMO, REJECT, WRITE_OFF)
