"""Amounts and dates in the text people write (mails, notes, remittance lines), in English
and German, found with deterministic rules.

Amounts: ``3,912.80``, ``1.847,35``, ``4180.00``, ``1 672,40`` or ``2'530.75`` with an
optional currency (``EUR``, ``€``, ``USD``, ``$``, ``GBP``, ``£``, ``CHF``) before or after;
the separator followed by exactly two digits at the end is the decimal one, the other one
groups thousands. A number without two decimals counts as an amount only next to a
currency (``EUR 500``). Dates: ISO ``2026-11-27``, German ``30.11.2026`` / ``30.11.26``,
``27 November 2026``, ``27th Nov 2026``, ``November 27, 2026``, ``27. November 2026``,
``3. Dezember 2026``. Slash dates (``11/12/2026``) are skipped: their order is ambiguous.

Money is :class:`~decimal.Decimal`, never float.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["FoundAmount", "FoundDate", "find_amounts", "find_dates"]

_CURRENCY = r"(?:EUR|USD|GBP|CHF|€|\$|£)"
_NUMBER = (r"(?<![\w.,])(?:\d{1,3}(?:[.,' \u00a0]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)"
           r"(?![\w]|[.,]\d)")
_AMOUNT = re.compile(
    rf"(?P<pre>{_CURRENCY})?\s?(?P<num>{_NUMBER})\s?(?P<post>{_CURRENCY}|Euro\b)?",
    re.IGNORECASE)

_MONTHS = {
    "january": 1, "jan": 1, "januar": 1, "jänner": 1,
    "february": 2, "feb": 2, "februar": 2,
    "march": 3, "mar": 3, "märz": 3, "maerz": 3, "mär": 3,
    "april": 4, "apr": 4,
    "may": 5, "mai": 5,
    "june": 6, "jun": 6, "juni": 6,
    "july": 7, "jul": 7, "juli": 7,
    "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10, "oktober": 10, "okt": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12, "dezember": 12, "dez": 12,
}
_MONTH = "(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DATES = (
    re.compile(r"\b(?P<year>\d{4})-(?P<mon>\d{2})-(?P<day>\d{2})\b"),
    re.compile(r"(?<![\d.])(?P<day>\d{1,2})\.(?P<mon>\d{1,2})\.(?P<year>\d{4}|\d{2})(?![\d])"),
    re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th|\.)?\s+(?:of\s+)?{_MONTH}\s+(?P<year>\d{{4}})\b",
               re.IGNORECASE),
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})\b",
               re.IGNORECASE),
)


@dataclass(frozen=True, slots=True)
class FoundAmount:
    amount: Decimal
    currency: str | None  # as written: EUR, €, ...; None when none was next to it
    start: int
    text: str


@dataclass(frozen=True, slots=True)
class FoundDate:
    date: dt.date
    start: int
    text: str


def _number(raw: str) -> Decimal | None:
    text = raw.replace("\u00a0", " ")
    decimals = ""
    tail = re.search(r"[.,](\d{1,2})$", text)
    if tail and not re.fullmatch(r"\d{1,3}([.,' ]\d{3})+", text):
        decimals, text = tail.group(1), text[:tail.start()]
    digits = re.sub(r"[.,' ]", "", text)
    if not digits.isdigit():
        return None
    return Decimal(f"{digits}.{decimals or '0'}").quantize(Decimal("0.01"))


def find_amounts(text: str) -> list[FoundAmount]:
    """Money amounts in ``text``, in order: with two decimals, or next to a currency."""
    found: list[FoundAmount] = []
    for m in _AMOUNT.finditer(text):
        raw = m.group("num")
        currency = m.group("pre") or m.group("post")
        has_cents = re.search(r"[.,]\d{2}$", raw) is not None
        if not currency and not has_cents:
            continue
        if re.fullmatch(r"\d{1,3}([.,]\d{3})", raw) and not currency:
            continue  # 1.234 or 1,234 alone: a thousand, or one and a fraction?
        amount = _number(raw)
        if amount is None or amount <= 0:
            continue
        found.append(FoundAmount(amount, currency.upper() if currency else None,
                                 m.start(), m.group(0).strip()))
    return found


def find_dates(text: str) -> list[FoundDate]:
    """Calendar dates in ``text``, in order of appearance (impossible dates skipped)."""
    found: dict[int, FoundDate] = {}
    for pattern in _DATES:
        for m in pattern.finditer(text):
            if any(f.start <= m.start() < f.start + len(f.text) for f in found.values()):
                continue
            groups = m.groupdict()
            month = (_MONTHS[groups["month"].lower()] if groups.get("month")
                     else int(groups["mon"]))
            year = int(groups["year"])
            year = 2000 + year if year < 100 else year
            try:
                day = dt.date(year, month, int(groups["day"]))
            except ValueError:
                continue
            found[m.start()] = FoundDate(day, m.start(), m.group(0))
    return [found[k] for k in sorted(found)]
