"""Amounts a person types: plain digits with a dot, at most two decimals, as Decimal."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

__all__ = ["CENT", "parse_amount"]

CENT = Decimal("0.01")
_AMOUNT = re.compile(r"-?[0-9]{1,15}(\.[0-9]*)?")


def parse_amount(value: Any, what: str, *, allow_zero: bool = False) -> Decimal:
    """``value`` as an amount of at most two decimals (ValueError says what is wrong).

    Text must be plain digits with a dot for decimals (``1234.5``): no exponent, no
    thousands separators, which people and spreadsheets write in conflicting ways.
    """
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int | str) and not isinstance(value, bool):
        text = str(value).strip()
        if not _AMOUNT.fullmatch(text):
            raise ValueError(f"{what}: {value!r} is not an amount with at most two decimals "
                             "(use a dot for decimals)")
        amount = Decimal(text)
    else:
        raise ValueError(f"{what}: {value!r} is not an amount")
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise ValueError(f"{what}: {value!r} is not an amount with at most two decimals")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValueError(f"{what} must be greater than zero")
    return amount.quantize(CENT)
