"""Check digits for the identifiers banks use: ISO 13616 IBAN and ISO 11649 RF references."""

from __future__ import annotations

import re

_ALNUM = re.compile(r"^[0-9A-Z]+$")
_SPACES = re.compile(r"\s+")
# A=10 .. Z=35: the letters as ISO 7064 reads them, for one ``str.translate`` per check
_LETTER_DIGITS = {ord(ch): str(n) for n, ch in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 10)}


def _mod97(text: str) -> int:
    return int(text.translate(_LETTER_DIGITS)) % 97


def compact(value: str) -> str:
    """Upper-case and drop spaces, as IBANs and RF references are compared."""
    return _SPACES.sub("", value).upper()


def make_iban(country: str, bban: str) -> str:
    bban = compact(bban)
    check = 98 - _mod97(bban + country.upper() + "00")
    return f"{country.upper()}{check:02d}{bban}"


def is_valid_iban(value: str) -> bool:
    iban = compact(value)
    if len(iban) < 15 or len(iban) > 34 or not _ALNUM.match(iban):
        return False
    return _mod97(iban[4:] + iban[:4]) == 1


def make_rf(reference: str) -> str:
    """ISO 11649 creditor reference for ``reference`` (alphanumeric, up to 21 chars)."""
    ref = compact(reference)
    if not ref or len(ref) > 21 or not _ALNUM.match(ref):
        raise ValueError(f"not a valid creditor reference body: {reference!r}")
    check = 98 - _mod97(ref + "RF00")
    return f"RF{check:02d}{ref}"


def is_valid_rf(value: str) -> bool:
    rf = compact(value)
    if not rf.startswith("RF") or not 5 <= len(rf) <= 25 or not _ALNUM.match(rf):
        return False
    return _mod97(rf[4:] + rf[:4]) == 1


def rf_body(value: str) -> str:
    """The reference inside an RF reference (``RF18INV20261001`` -> ``INV20261001``)."""
    return compact(value)[4:]
