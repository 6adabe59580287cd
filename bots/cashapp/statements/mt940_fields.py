"""Where MT940 fields sit in the text, and what a transaction's field 86 says."""

from __future__ import annotations

import re
from typing import Any

from bots.cashapp.statements.narrative import (
    Details,
    join_wrapped,
    parse_narrative,
    reference,
    without_reference,
)
from bots.cashapp.statements.text import clean_iban, find_rf, squash
from bots.runtime.errors import StatementParseError

_TAG = re.compile(r"^:(\d{2}[A-Z]?|NS):")
# The strict SWIFT shapes of the fields whose amounts we use; the library is lenient and
# would read ":61:261120C6l5,40NTRF" as 6.00.
_SHAPES = {
    "61": (re.compile(r"^\d{6}(?:\d{4}|\s{4})?R?[CD][A-Z]?\d{1,14},\d*[NSF][A-Z0-9]{3}", re.I),
           "statement line: date, C/D mark, amount with decimal comma, type code"),
    "60": (re.compile(r"^[CD]\d{6}[A-Z]{3}\d{1,14},\d*$"),
           "balance: C/D mark, date, currency, amount with decimal comma"),
}
_SHAPES["62"] = _SHAPES["64"] = _SHAPES["65"] = _SHAPES["60"]


def tag_lines(text: str) -> list[tuple[str, int]]:
    """(tag, line number) of every field in ``text``, in order."""
    found = []
    for no, line in enumerate(text.split("\n"), start=1):
        match = _TAG.match(line)
        if match:
            found.append((match.group(1), no))
    return found


_ANY_TAG = re.compile(r"^:([^:\s]{1,4}):")
KNOWN_TAGS = frozenset({"13", "13D", "20", "21", "25", "25P", "28", "28C", "34F", "60F",
                        "60M", "61", "62F", "62M", "64", "65", "86", "90C", "90D", "NS"})


def check_tags(text: str, source: str) -> None:
    """Refuse a field tag MT940 does not have (``:6X:``), naming its line."""
    for no, line in enumerate(text.split("\n"), start=1):
        match = _ANY_TAG.match(line)
        if match and match.group(1) not in KNOWN_TAGS:
            raise StatementParseError(f"unknown field tag :{match.group(1)}:", file=source,
                                      location=f"line {no}")


def check_shapes(text: str, tags: list[tuple[str, int]], source: str) -> None:
    """Refuse a balance or statement line that is not in its SWIFT shape, naming the line."""
    lines = text.split("\n")
    for tag, no in tags:
        shape = _SHAPES.get(tag[:2])
        value = lines[no - 1].split(":", 2)[2].strip()
        if shape and not shape[0].match(value):
            raise StatementParseError(f"malformed field :{tag}: (expected {shape[1]}): {value!r}",
                                      file=source, location=f"line {no}")


def details_of(transaction: dict[str, Any]) -> Details:
    """Counterparty and remittance details of one parsed ``:61:``/``:86:`` pair."""
    free = transaction.get("transaction_details")
    if free is not None:
        return parse_narrative(join_wrapped(str(free)))
    if not any(transaction.get(k) for k in ("purpose", "applicant_name", "applicant_iban",
                                           "end_to_end_reference")):
        return Details()
    # SEPA-structured field 86 (?20..?29 purpose, ?31 IBAN, ?32/?33 name), split by the library
    purpose = squash(transaction.get("purpose"))
    rf = find_rf(purpose)
    return Details(
        name=squash(transaction.get("applicant_name")) or None,
        iban=clean_iban(transaction.get("applicant_iban")),
        end_to_end_id=reference(transaction.get("end_to_end_reference")),
        creditor_reference=rf,
        text=without_reference(purpose, rf),
    )
