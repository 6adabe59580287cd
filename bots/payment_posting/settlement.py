"""People's resolutions as settlements the bot books in the ERP (and the bank).

A settlement is one cash receipt of the payment in the ERP: invoice rows (cash applied,
a difference written off with its reason code) and the rest of the payment handled in the
same receipt: on account (unapplied cash on the customer), to the suspense account (payer
unknown), refunded (an ERP refund document, then a pain.001 credit transfer at the bank) or
written off with its reason code. Applied amounts plus the rest are the payment.

The ``prepare`` hooks here check a person's input against the case and shape the work
item's ``settlement`` payload (see :func:`settlement_payload`); :mod:`.carry_out` books it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from bots.cashapp.identifiers import compact, is_valid_iban
from bots.runtime.cases import PreparedResolution
from bots.runtime.money import parse_amount

__all__ = ["REST_ACTIONS", "WRITE_OFF_REASONS", "prepare_on_account", "prepare_refund",
           "prepare_write_off", "rest_of_apply", "settlement_payload"]

ZERO = Decimal("0.00")
#: the write-off reason codes the ERP is configured with (value, label)
WRITE_OFF_REASONS = (
    ("BANK_CHARGES", "Bank charges"),
    ("DISCOUNT_TAKEN", "Discount taken (out of terms)"),
    ("DEDUCTION", "Deduction (give its dispute reason)"),
    ("SMALL_BALANCE", "Small balance"),
)
_REASONS = {code for code, _ in WRITE_OFF_REASONS}
#: what the rest of an applied payment may become (the apply resolution's ``rest``)
REST_ACTIONS = (("on_account", "leave on account"), ("refund", "refund to the payer"),
                ("write_off", "write off"))


def _entry(case: Mapping[str, Any]) -> Mapping[str, Any]:
    return ((case.get("data") or {}).get("payload") or {}).get("entry") or {}


def _payment(case: Mapping[str, Any]) -> Decimal:
    raw = case.get("amount")
    if raw in (None, ""):
        raw = _entry(case).get("amount")
    return parse_amount(raw, "payment")


def _currency(case: Mapping[str, Any]) -> str:
    return str(_entry(case).get("currency") or "EUR")


def _text(values: Mapping[str, Any], name: str) -> str:
    return str(values.get(name) or "").strip()


def _reason(values: Mapping[str, Any]) -> tuple[str, str]:
    """The chosen write-off reason and, for a deduction, its dispute reason."""
    reason = _text(values, "reason")
    if reason not in _REASONS:
        raise ValueError("Write-off reason: choose one of "
                         + ", ".join(label.split(" (")[0].lower()
                                     for _, label in WRITE_OFF_REASONS))
    dispute = _text(values, "dispute_reason")
    if reason == "DEDUCTION" and not dispute:
        raise ValueError("Dispute reason: a deduction needs its dispute reason "
                         "(e.g. damaged goods)")
    if len(dispute) > 140:
        raise ValueError("Dispute reason: at most 140 characters")
    return reason, dispute if reason == "DEDUCTION" else ""


def _payee(case: Mapping[str, Any], values: Mapping[str, Any]) -> tuple[str, str]:
    entry = _entry(case)
    name = _text(values, "payee_name") or str(entry.get("counterparty_name") or "").strip()
    iban = compact(_text(values, "payee_iban") or str(entry.get("counterparty_iban") or ""))
    if not name or len(name) > 70:
        raise ValueError("Payee: the refund needs the payee's name (at most 70 characters)")
    if not is_valid_iban(iban):
        raise ValueError(f"Payee IBAN: {iban or 'none'} is not a valid IBAN; the bank line "
                         "has none, type the one the customer gave")
    return name, iban


def settlement_payload(kind: str, case: Mapping[str, Any], *, customer_id: str | None,
                       rows: Sequence[Mapping[str, str]] = (),
                       rest: Mapping[str, str] | None = None, dispute: str = "") -> dict:
    """The work item's ``settlement``: what the bot enters in the ERP's receipt form."""
    return {"kind": kind, "customer_id": customer_id or "", "rows": [dict(r) for r in rows],
            "rest": dict(rest) if rest else None, "dispute": dispute,
            "our_ref": f"finbots case {case.get('id')}"}


def _row(invoice: str, applied: Decimal, write_off: Decimal = ZERO,
         reason: str = "") -> dict[str, str]:
    return {"invoice_number": invoice, "amount": f"{applied:.2f}",
            "write_off": f"{write_off:.2f}", "reason": reason if write_off else ""}


def _rest(action: str, amount: Decimal, **extra: str) -> dict[str, str]:
    return {"action": action, "amount": f"{amount:.2f}", **extra}


def _note(text: str, values: Mapping[str, Any]) -> str:
    note = _text(values, "note")
    return f"{text}: {note}" if note else text


def _invoice(case: Mapping[str, Any], values: Mapping[str, Any]) -> tuple[str, Decimal] | None:
    """The invoice a write-off is on (the person's, else the only candidate) and its open
    amount; None when the case has no invoice at all."""
    candidates = {str(c.get("invoice_number") or "").strip().upper(): c
                  for c in case.get("candidates") or [] if c.get("invoice_number")}
    number = _text(values, "invoice_number").upper()
    if not number:
        if len(candidates) > 1:
            raise ValueError("Invoice: several candidates; say which invoice the difference "
                             f"is on ({', '.join(sorted(candidates))})")
        if not candidates:
            return None
        number = next(iter(candidates))
    if number not in candidates:
        raise ValueError(f"Invoice: {number} is not among the case's candidates")
    open_amount = candidates[number].get("amount_open")
    if open_amount in (None, ""):
        raise ValueError(f"Invoice: the open amount of {number} is not known")
    return number, parse_amount(open_amount, f"open amount of {number}")


def prepare_write_off(case: Mapping[str, Any], values: Mapping[str, Any]) -> PreparedResolution:
    """Close the difference between the payment and its invoice with a reason code.

    Paid less than the invoice: the payment is applied and the difference (at most the
    rest of the invoice) written off on it. Paid more: the invoice is settled and the
    excess written off. No invoice: the whole payment is written off.
    """
    payment, currency = _payment(case), _currency(case)
    amount = parse_amount(values.get("amount"), "write-off")
    reason, dispute = _reason(values)
    customer = str(case.get("customer_id") or "").strip() or None
    found = _invoice(case, values)
    if found is None:
        if amount != payment:
            raise ValueError(f"no invoice: only the whole payment ({payment}) can be written off")
        if customer is None:
            raise ValueError("the payer is not identified: leave the payment on account "
                             "(suspense) instead")
        rows: list[dict[str, str]] = []
        rest: dict[str, str] | None = _rest("WRITE_OFF", amount, reason=reason)
        what = f"payment of {amount:.2f} {currency} written off"
    else:
        number, open_amount = found
        if payment <= open_amount:
            if payment + amount > open_amount:
                raise ValueError(f"{number}: {payment} paid and {amount} written off is more "
                                 f"than its open amount {open_amount}")
            rows, rest = [_row(number, payment, amount, reason)], None
            what = f"{amount:.2f} {currency} written off on {number}"
        else:
            excess = payment - open_amount
            if amount != excess:
                raise ValueError(f"{number} is settled by {open_amount}; the excess to write "
                                 f"off is {excess}")
            rows, rest = [_row(number, open_amount)], _rest("WRITE_OFF", amount, reason=reason)
            what = f"{number} settled, excess of {amount:.2f} {currency} written off"
    label = dict(WRITE_OFF_REASONS)[reason].split(" (")[0].lower()
    summary = f"{what} ({label}{': ' + dispute if dispute else ''})"
    return PreparedResolution(
        payload={"settlement": settlement_payload("write_off", case, customer_id=customer,
                                                  rows=rows, rest=rest, dispute=dispute)},
        amount=amount, summary=_note(summary, values))


def prepare_on_account(case: Mapping[str, Any], values: Mapping[str, Any]) -> PreparedResolution:
    """Unapplied cash on the customer; an unknown payer's payment to the suspense account."""
    payment, currency = _payment(case), _currency(case)
    customer = _text(values, "customer_id").upper() or str(case.get("customer_id") or "")
    if customer:
        rest = _rest("ON_ACCOUNT", payment)
        summary = f"{payment:.2f} {currency} left on account of {customer} (unapplied cash)"
    else:
        rest = _rest("SUSPENSE", payment)
        summary = f"{payment:.2f} {currency} to the suspense account (payer not identified)"
    return PreparedResolution(
        payload={"settlement": settlement_payload("on_account", case, customer_id=customer,
                                                  rest=rest)},
        amount=payment, summary=_note(summary, values))


def prepare_refund(case: Mapping[str, Any], values: Mapping[str, Any]) -> PreparedResolution:
    """Pay the whole payment back: an ERP refund document and a bank transfer."""
    payment, currency = _payment(case), _currency(case)
    raw = values.get("amount")
    amount = payment if raw in (None, "") else parse_amount(raw, "refund")
    if amount > payment:
        raise ValueError(f"the refund ({amount}) is more than the payment ({payment})")
    if amount != payment:
        raise ValueError(f"a refund of part of the payment: apply {payment - amount} to "
                         "invoices and choose to refund the rest")
    name, iban = _payee(case, values)
    customer = str(case.get("customer_id") or "").strip() or None
    rest = _rest("REFUND", amount, payee_name=name, payee_iban=iban)
    return PreparedResolution(
        payload={"settlement": settlement_payload("refund", case, customer_id=customer,
                                                  rest=rest)},
        amount=amount, limit=payment,
        summary=_note(f"refund of {amount:.2f} {currency} to {name} ({iban})", values))


def rest_of_apply(case: Mapping[str, Any], values: Mapping[str, Any], *, customer_id: str,
                  allocations: Sequence[Mapping[str, str]], applied: Decimal) -> tuple[
                      dict[str, Any] | None, str]:
    """The ``apply`` resolution's rest handling: the settlement payload (None when the
    person chose none) and a phrase for the summary."""
    action = _text(values, "rest")
    if not action:
        return None, ""
    payment = _payment(case)
    rest = payment - applied
    if rest <= 0:
        raise ValueError(f"The rest: nothing is left of the payment ({payment}) to "
                         f"{dict(REST_ACTIONS).get(action, action)}")
    dispute = ""
    if action == "on_account":
        handled = _rest("ON_ACCOUNT", rest)
    elif action == "refund":
        name, iban = _payee(case, values)
        handled = _rest("REFUND", rest, payee_name=name, payee_iban=iban)
    elif action == "write_off":
        reason, dispute = _reason(values)
        handled = _rest("WRITE_OFF", rest, reason=reason)
    else:
        raise ValueError(f"The rest: choose one of {', '.join(a for a, _ in REST_ACTIONS)}")
    reason = _text(values, "reason")
    if reason == "DEDUCTION" and not dispute:
        dispute = _reason(values)[1]
    rows = [_row(a["invoice_number"], Decimal(a["amount"]), Decimal(a["write_off"]),
                 reason or "BANK_CHARGES") for a in allocations]
    payload = settlement_payload("apply", case, customer_id=customer_id, rows=rows,
                                 rest=handled, dispute=dispute)
    return payload, f"the rest {rest:.2f} {dict(REST_ACTIONS)[action].split(' to ')[0]}"
