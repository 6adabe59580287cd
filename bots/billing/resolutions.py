"""What a person may decide on a billing case, and how their input is checked.

- **correct and release**: the person changes one draft line (unit price, quantity,
  discount, VAT category and rate) and/or the draft's payment terms, PO number and period;
  the form is filled with what the contract expects. The bot edits the draft in the billing
  portal, checks it again, builds its e-invoice and releases it; the case resolves only with
  the portal's confirmation, and comes back with the failing rule when the draft still
  fails.
- **hold**: the bot puts the draft on hold in the portal with the person's reason.
- **cancel**: the bot cancels the draft in the portal with the reason. A draft whose gross
  total is above the bot's ``cancel_second_person_above`` (configuration ``billing_bot``,
  written into the case when it opens) waits for a second person's approval first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from bots.runtime.cases import Field, PreparedResolution, Resolution

__all__ = ["BILLING_RESOLUTIONS", "CANCEL_APPROVAL", "CORRECTABLE", "LEAKAGE_RESOLUTIONS",
           "VAT_CATEGORIES", "prepare_cancel", "prepare_correct"]

#: the approval kind of a cancellation above the threshold
CANCEL_APPROVAL = "billing_cancel"
VAT_CATEGORIES = (("S", "S standard rate"), ("AE", "AE reverse charge"), ("G", "G export"),
                  ("E", "E exempt"), ("Z", "Z zero rated"))
#: the correction's fields a person may change, in the form's order
CORRECTABLE = ("line_no", "unit_price", "quantity", "discount_percent", "vat_category",
               "vat_rate", "payment_terms_days", "po_number", "period_start", "period_end")
MAX_TERMS_DAYS = 365

_P = "=proposal."
CORRECT_FIELDS = (
    Field("line_no", "Line to correct", "number", default=f"{_P}line_no",
          help="the draft line the price, quantity, discount and VAT below apply to"),
    Field("unit_price", "Unit price", "money", default=f"{_P}unit_price"),
    Field("quantity", "Quantity", "number", default=f"{_P}quantity"),
    Field("discount_percent", "Discount %", "number", default=f"{_P}discount_percent"),
    Field("vat_category", "VAT category", "choice", choices=VAT_CATEGORIES,
          default=f"{_P}vat_category"),
    Field("vat_rate", "VAT rate %", "number", default=f"{_P}vat_rate"),
    Field("payment_terms_days", "Payment terms (days)", "number",
          default=f"{_P}payment_terms_days"),
    Field("po_number", "PO number", default=f"{_P}po_number"),
    Field("period_start", "Period from", "date", default=f"{_P}period_start"),
    Field("period_end", "Period to", "date", default=f"{_P}period_end"),
    Field("note", "Note", "textarea", help="recorded with the correction in the case"),
)
_REASON = Field("reason", "Reason", "textarea", required=True,
                help="recorded in the billing portal with the decision")


def _draft(case: Mapping[str, Any]) -> Mapping[str, Any]:
    return (case.get("data") or {}).get("draft") or {}


def _number(case: Mapping[str, Any]) -> str:
    return str(_draft(case).get("number") or case.get("reference") or "")


def _decimal(values: Mapping[str, Any], name: str, label: str, low: Decimal,
             high: Decimal | None = None) -> Decimal | None:
    raw = values.get(name)
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise ValueError(f"{label}: {raw!r} is not a number") from None
    if not value.is_finite() or value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{label}: {value} must be {bound}")
    return value


def _correction(case: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, str]:
    """The person's correction as text values, checked (ValueError names the field)."""
    lines = {int(str(line.get("line_no"))) for line in _draft(case).get("lines") or []
             if str(line.get("line_no", "")).isdigit()}
    out: dict[str, str] = {}
    line_no = _decimal(values, "line_no", "Line to correct", Decimal(1))
    if line_no is not None:
        if line_no != line_no.to_integral_value() or (lines and int(line_no) not in lines):
            raise ValueError(f"Line to correct: the draft has lines "
                             f"{', '.join(str(n) for n in sorted(lines))}, not {line_no}")
        out["line_no"] = str(int(line_no))
    for name, label, low, high in (
            ("unit_price", "Unit price", Decimal(0), None),
            ("quantity", "Quantity", Decimal(0), None),
            ("discount_percent", "Discount %", Decimal(0), Decimal(100)),
            ("vat_rate", "VAT rate %", Decimal(0), Decimal(100)),
            ("payment_terms_days", "Payment terms (days)", Decimal(0), Decimal(MAX_TERMS_DAYS))):
        value = _decimal(values, name, label, low, high)
        if value is not None:
            if name == "payment_terms_days" and value != value.to_integral_value():
                raise ValueError(f"{label}: whole days, not {value}")
            out[name] = str(int(value)) if name == "payment_terms_days" else str(value)
    line_fields = {"unit_price", "quantity", "discount_percent", "vat_rate"} & set(out)
    if (line_fields or values.get("vat_category")) and "line_no" not in out:
        raise ValueError("Line to correct: say which line the price, quantity, discount or "
                         "VAT apply to")
    if values.get("vat_category"):
        out["vat_category"] = str(values["vat_category"])
    po = str(values.get("po_number") or "").strip()
    if len(po) > 40:
        raise ValueError("PO number: at most 40 characters")
    if po:
        out["po_number"] = po
    start, end = values.get("period_start"), values.get("period_end")
    if start and end and dt.date.fromisoformat(str(start)) > dt.date.fromisoformat(str(end)):
        raise ValueError(f"Period to: {end} is before the period's start {start}")
    if start:
        out["period_start"] = str(start)
    if end:
        out["period_end"] = str(end)
    return out


def prepare_correct(case: Mapping[str, Any], values: Mapping[str, Any]) -> PreparedResolution:
    """Check the correction; the summary names what changes against the draft."""
    correction = _correction(case, values)
    draft = _draft(case)
    line = next((ln for ln in draft.get("lines") or []
                 if str(ln.get("line_no")) == correction.get("line_no")), {})
    changed = [f"{name} {line.get(name)} -> {value}" for name, value in correction.items()
               if name in ("unit_price", "quantity", "discount_percent", "vat_category",
                           "vat_rate") and line and _differs(line.get(name), value)]
    changed += [f"{name} {draft.get(name) or '-'} -> {value or '-'}"
                for name, value in correction.items()
                if name in ("payment_terms_days", "po_number", "period_start", "period_end")
                and _differs(draft.get(name), value)]
    if not changed:
        raise ValueError("Nothing to correct: every value equals the draft's (change one, "
                         "or hold or cancel the draft)")
    where = f" line {correction['line_no']}" if "line_no" in correction else ""
    note = str(values.get("note") or "").strip()
    return PreparedResolution(
        payload={"correction": correction},
        summary=f"Correct {_number(case)}{where}: {'; '.join(changed)}"
                + (f" ({note})" if note else ""))


def _differs(old: Any, new: str) -> bool:
    if old in (None, "") or new == "":
        return str(old or "") != new
    try:
        return Decimal(str(old)) != Decimal(new)
    except InvalidOperation:
        return str(old) != new


def prepare_hold(case: Mapping[str, Any], values: Mapping[str, Any]) -> PreparedResolution:
    return PreparedResolution(
        summary=f"Hold {_number(case)}: {str(values.get('reason') or '').strip()}")


def prepare_cancel(case: Mapping[str, Any], values: Mapping[str, Any]) -> PreparedResolution:
    """A cancellation: a second person approves it when the gross total is above the bot's
    threshold (as the case recorded it)."""
    data = case.get("data") or {}
    gross = Decimal(str(_draft(case).get("gross_total") or case.get("amount") or "0"))
    limit = data.get("cancel_second_person_above")
    second = limit not in (None, "") and gross > Decimal(str(limit))
    return PreparedResolution(
        summary=f"Cancel {_number(case)}: {str(values.get('reason') or '').strip()}",
        amount=gross if second else None, approvers=1 if second else None)


BILLING_RESOLUTIONS = (
    Resolution("correct_release", "Correct and release", fields=CORRECT_FIELDS,
               prepare=prepare_correct,
               help="the bot edits the draft in the billing portal, checks it again and "
                    "releases it with its e-invoice; filled with what the contract expects"),
    Resolution("hold", "Hold the draft", fields=(_REASON,), prepare=prepare_hold,
               help="the bot puts the draft on hold in the billing portal"),
    Resolution("cancel", "Cancel the draft", fields=(_REASON,), approval=CANCEL_APPROVAL,
               prepare=prepare_cancel,
               help="the bot cancels the draft in the billing portal",
               approval_note="A draft whose gross total is above the billing bot's "
                             "cancellation limit is cancelled only after a second person "
                             "approves; below it the bot cancels it as you decide."),
)

LEAKAGE_RESOLUTIONS = (
    Resolution("invoiced", "Invoiced now", carried_out=False,
               fields=(Field("invoice", "Invoice number", required=True),
                       Field("note", "Note", "textarea")),
               help="the missing revenue is billed (the invoice number is recorded)"),
    Resolution("not_billable", "Not billable", carried_out=False, fields=(_REASON,),
               help="the contract does not entitle us to bill it (say why)"),
)
