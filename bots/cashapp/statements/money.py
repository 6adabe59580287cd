"""Amounts as banks write them, turned into ``Decimal`` with the currency's decimals checked."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from bots.runtime.errors import StatementParseError

# ISO 4217 minor units that differ from the usual two.
_MINOR_UNITS = {
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
}
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_PLAIN = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def minor_units(currency: str) -> int:
    """Decimals the currency allows (ISO 4217): 2 unless listed otherwise."""
    return _MINOR_UNITS.get(currency.upper(), 2)


def check_currency(currency: str, *, file: str, location: str) -> str:
    code = (currency or "").strip().upper()
    if not _CURRENCY.match(code):
        raise StatementParseError(f"invalid currency code {currency!r}", file=file,
                                  location=location)
    return code


def parse_amount(
    text: str,
    currency: str,
    *,
    file: str,
    location: str,
    decimal_sep: str = ".",
    thousands_sep: str = "",
    signed: bool = False,
    exact_zeros: bool = False,
) -> Decimal:
    """``text`` as a Decimal; refuses non-numbers and more decimals than ``currency`` has.

    Unless ``signed``, a sign is refused too: statement formats carry the direction apart.
    With ``exact_zeros``, extra decimals that are all zero are dropped ("8.850" EUR is
    8.85); a digit other than zero there is still refused ("8.855").
    """
    raw = (text or "").strip()
    cleaned = raw
    if thousands_sep and thousands_sep in raw:
        if not _grouped(raw, thousands_sep, decimal_sep):
            # "-84.37" in a layout whose "." groups thousands: not 8437, but a refusal
            raise StatementParseError(
                f"amount {raw!r} is not a number (its {thousands_sep!r} does not group "
                "thousands)", file=file, location=location)
        cleaned = raw.replace(thousands_sep, "")
    if decimal_sep != ".":
        if "." in cleaned:
            raise StatementParseError(f"amount {raw!r} is not a number", file=file,
                                      location=location)
        cleaned = cleaned.replace(decimal_sep, ".")
    if cleaned.endswith("."):  # SWIFT allows "500," for 500.00
        cleaned = cleaned[:-1]
    if not _PLAIN.match(cleaned) or (not signed and cleaned[0] in "+-"):
        raise StatementParseError(f"amount {raw!r} is not a number", file=file,
                                  location=location)
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - the pattern guards this
        raise StatementParseError(f"amount {raw!r} is not a number", file=file,
                                  location=location) from exc
    if exact_zeros:
        value = _without_extra_zeros(value, currency)
    check_decimals(value, currency, file=file, location=location, raw=raw)
    return value


def _grouped(raw: str, thousands_sep: str, decimal_sep: str) -> bool:
    """Whether the thousands separators of ``raw`` stand between groups of three digits
    of its whole part (``1.234.567,89``), as a bank writes them, and nowhere else."""
    whole = raw.lstrip("+-").split(decimal_sep, 1)[0]
    first, *groups = whole.split(thousands_sep)
    return (bool(groups) and 1 <= len(first) <= 3 and first.isdigit()
            and all(len(g) == 3 and g.isdigit() for g in groups))


def _without_extra_zeros(value: Decimal, currency: str) -> Decimal:
    exponent = value.as_tuple().exponent
    allowed = minor_units(currency)
    if isinstance(exponent, int) and -exponent > allowed:
        try:
            exact = value.quantize(Decimal(1).scaleb(-allowed))
        except InvalidOperation:  # more digits than Decimal's precision: refused below
            return value
        if exact == value:
            return exact
    return value


def check_decimals(value: Decimal, currency: str, *, file: str, location: str,
                   raw: str | None = None) -> None:
    """Refuse an amount with more decimals than the currency has (EUR 1.005)."""
    exponent = value.as_tuple().exponent
    allowed = minor_units(currency)
    if isinstance(exponent, int) and -exponent > allowed:
        shown = raw if raw is not None else str(value)
        raise StatementParseError(
            f"amount {shown!r} has {-exponent} decimals, {currency} allows {allowed}",
            file=file, location=location)


def from_minor(units: int, currency: str) -> Decimal:
    """Implied-decimal amounts (BAI2 cents): 119000 EUR -> 1190.00."""
    return Decimal(units).scaleb(-minor_units(currency))
