"""Reading the draft edit form: every field checked, errors naming the field or the line.

Header fields: ``payment_terms_days``, ``po_number``, ``buyer_vat_id``, ``period_start``,
``period_end``; per line N: ``qty_N``, ``price_N``, ``discount_N``, ``category_N``,
``rate_N``. A field left out keeps the draft's value; line nets are recomputed.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sandbox.billing_scenario import Line

CATEGORIES = ("S", "AE", "G", "E", "Z")
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./-]{0,39}$")
_MAX = Decimal("100000000")


class EditRefused(Exception):
    """A field of the edit form cannot be read; the message names it."""


def _get(form: Any, name: str, current: object) -> str:
    value = form.get(name)
    return str(current if value is None else value).strip()


def _decimal(text: str, field: str, *, places: int, high: Decimal = _MAX) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise EditRefused(f"{field}: '{text[:30]}' is not a number.") from None
    if not value.is_finite() or value < 0 or value > high:
        raise EditRefused(f"{field}: a number from 0 to {high} is expected.")
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise EditRefused(f"{field}: at most {places} decimal places.")
    return value


def _date(text: str, field: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise EditRefused(f"{field}: a date YYYY-MM-DD is expected.") from None


def _optional_ref(text: str, field: str) -> str | None:
    if not text:
        return None
    if not _REFERENCE.match(text):
        raise EditRefused(f"{field}: letters, digits, space, '.', '/' or '-', "
                          "at most 40 characters.")
    return text


def read_edit(form: Any, inv: dict[str, Any]) -> tuple[dict[str, Any], list[Line]]:
    """The header changes and the new lines of draft ``inv`` from the posted ``form``."""
    terms_text = _get(form, "payment_terms_days", inv["payment_terms_days"])
    if not terms_text.isdigit() or not 0 <= int(terms_text) <= 365:
        raise EditRefused("payment_terms_days: whole days from 0 to 365 are expected.")
    start = _date(_get(form, "period_start", inv["period_start"]), "period_start")
    end = _date(_get(form, "period_end", inv["period_end"]), "period_end")
    if end < start:
        raise EditRefused("period_end: the period cannot end before it starts.")
    header = {"payment_terms_days": int(terms_text),
              "po_number": _optional_ref(_get(form, "po_number", inv["po_number"] or ""),
                                         "po_number"),
              "buyer_vat_id": _optional_ref(_get(form, "buyer_vat_id",
                                                 inv["buyer_vat_id"] or ""), "buyer_vat_id"),
              "period_start": start, "period_end": end}
    lines = []
    for ln in inv["lines"]:
        n = ln["line_no"]
        qty = _decimal(_get(form, f"qty_{n}", ln["quantity"]), f"Line {n} quantity",
                       places=4)
        price = _decimal(_get(form, f"price_{n}", ln["unit_price"]), f"Line {n} unit price",
                         places=4)
        discount = _decimal(_get(form, f"discount_{n}", ln["discount_percent"]),
                            f"Line {n} discount", places=2, high=Decimal(100))
        category = _get(form, f"category_{n}", ln["vat_category"]).upper()
        if category not in CATEGORIES:
            raise EditRefused(f"Line {n} VAT category: one of {', '.join(CATEGORIES)}.")
        rate = _decimal(_get(form, f"rate_{n}", ln["vat_rate"]), f"Line {n} VAT rate",
                        places=2, high=Decimal(100))
        if category != "S" and rate != 0:
            raise EditRefused(f"Line {n} VAT rate: category {category} has rate 0.")
        net = (qty * price * (100 - discount) / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
        lines.append(Line(n, ln["contract_line_id"], ln["description"], qty, price, discount,
                          net, category, rate))
    return header, lines
