"""Decoding statement bytes strictly, and small helpers on remittance text."""

from __future__ import annotations

import codecs
import re

from bots.cashapp.identifiers import compact, is_valid_iban, is_valid_rf
from bots.runtime.errors import StatementParseError

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# compact (RF18INV20261001) or printed in groups of four (RF18 INV2 0261 001)
_RF_CANDIDATE = re.compile(
    r"(?<![A-Z0-9])RF\d{2}[A-Z0-9]*(?: [A-Z0-9]{4})*(?: [A-Z0-9]{1,4})?(?![A-Z0-9])",
    re.IGNORECASE)


def looks_utf16(data: bytes) -> bool:
    """A UTF-16 file: byte-order mark, or NUL bytes between ASCII characters."""
    head = data[:200]
    return head.startswith(_UTF16_BOMS) or (len(head) > 3 and head.count(b"\x00") > len(head) // 4)


def decode(data: bytes, encoding: str, *, file: str) -> str:
    """``data`` decoded with ``encoding``, refusing bytes that do not belong to it.

    A UTF-8 byte-order mark is dropped. The error names the line of the first bad byte.
    """
    if looks_utf16(data) and not encoding.lower().startswith("utf-16"):
        raise StatementParseError(
            f"file is UTF-16 encoded, expected {encoding}", file=file, location="line 1")
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise StatementParseError(
            f"byte 0x{data[exc.start]:02x} is not valid {encoding.removesuffix('-sig')} "
            "(wrong encoding?)", file=file, location=f"line {line}") from exc
    except LookupError as exc:
        raise StatementParseError(f"unknown encoding {encoding!r}", file=file) from exc


def find_rf(text: str) -> str | None:
    """The first valid ISO 11649 creditor reference written in ``text``.

    A reference printed in groups may be followed by a short word that looks like one more
    group ("RF18 INV2 0261 0010 PAID"), so the match without its last group is tried too.
    Nothing shorter is tried: a random prefix passes the check digits one time in 97.
    """
    for match in _RF_CANDIDATE.finditer(text or ""):
        parts = match.group(0).split(" ")
        candidates = ["".join(parts)] + (["".join(parts[:-1])] if len(parts) > 1 else [])
        for candidate in candidates:
            if is_valid_rf(candidate):
                return compact(candidate)
    return None


def valid_rf(value: str | None) -> str | None:
    """``value`` compacted when it is a valid RF reference, else None."""
    if value and is_valid_rf(value):
        return compact(value)
    return None


def clean_iban(value: str | None) -> str | None:
    """An IBAN compacted; other account identifiers kept as written."""
    if not value or not value.strip():
        return None
    return compact(value) if is_valid_iban(value) else value.strip()


def squash(text: str | None) -> str:
    """Whitespace runs collapsed to one space."""
    return " ".join((text or "").split())


def join_parts(parts: list[str]) -> str:
    return squash(" ".join(p for p in parts if p and p.strip()))
