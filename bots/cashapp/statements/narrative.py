"""Payment details written into one text: MT940 field 86 and BAI2 record 16 text.

Two shapes are understood: SWIFT keyword narratives (``/EREF/.../NAME/.../REMI/USTD//...``,
as many European banks write field 86: ING and Rabobank with ``//`` between the parts,
ABN AMRO's ``/TRTP/.../IBAN/.../NAME/...`` with ``/``) and free text. A creditor reference
(RF..) is taken from the structured remittance part, or else found in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bots.cashapp.identifiers import compact
from bots.cashapp.statements.text import clean_iban, find_rf, join_cut, squash, valid_rf

_KEYWORD = re.compile(
    r"/(EREF|REMI|NAME|IBAN|CNTP|ORDP|BENM|BIC|ADDR|PURP|ULTD|ULTC|ULTB|MARF|CSID|TRCD|RTRN"
    r"|ISDT|BUSP|CREF|TRTP|PREF|OCMT|CHGS|EXCH)/")
_NONREF = {"", "NONREF", "NOTPROVIDED"}
# What ING and Rabobank write as :61:'s customer reference: the keyword under which
# :86: holds the reference (or none), never a reference itself.
_KEYWORD_PLACEHOLDERS = {"EREF", "PREF", "MARF"}
LINE_WIDTH = 65  # SWIFT narrative lines


@dataclass(frozen=True, slots=True)
class Details:
    name: str | None = None
    iban: str | None = None
    end_to_end_id: str | None = None
    creditor_reference: str | None = None
    text: str = ""


def join_wrapped(text: str, width: int = LINE_WIDTH, first_width: int | None = None) -> str:
    """Lines of a wrapped field joined: no space after a line cut at full width.

    ``first_width``: where the first line is full, for banks that count the field's tag
    (``:86:``) in its first line's 65 characters."""
    return join_cut(text.splitlines(), lambda i, line: len(line) >= (
        width if i or first_width is None else first_width))


def reference(value: str | None) -> str | None:
    """A reference, or None for the placeholders banks write when there is none."""
    value = (value or "").strip()
    return None if value.upper() in _NONREF else value


def statement_line_reference(value: str | None) -> str | None:
    """A reference of an MT940 ``:61:`` line: also None for a keyword (``EREF``, ``PREF``,
    ``MARF``) written where the reference would stand."""
    found = reference(value)
    return None if found is not None and found.upper() in _KEYWORD_PLACEHOLDERS else found


def keyword_fields(text: str) -> dict[str, str] | None:
    """``{"EREF": ..., "NAME": ...}`` for a keyword narrative, None for other text."""
    stripped = text.strip()
    matches = list(_KEYWORD.finditer(stripped))
    if not matches or matches[0].start() != 0:
        return None
    fields: dict[str, str] = {}
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(stripped)
        fields.setdefault(match.group(1), stripped[match.end():end].strip("/ "))
    return fields


def _remittance(value: str) -> tuple[str | None, str]:
    """(creditor reference, free text) of a ``/REMI/`` value: ``USTD//text``,
    ``STRD/CUR/reference`` or ``STRD/ISO/RF..`` (the reference), or plain text."""
    if value.upper().startswith("STRD/"):
        ref = value.rstrip("/").rsplit("/", 1)[-1]
        rf = valid_rf(ref)
        return (rf, "") if rf else (None, ref)
    for prefix in ("USTD//", "USTD/"):
        if value.upper().startswith(prefix):
            return None, value[len(prefix):]
    return None, value


def from_keywords(fields: dict[str, str]) -> Details:
    rf, text = _remittance(fields.get("REMI", ""))
    cntp = fields.get("CNTP", "").split("/")
    name = fields.get("NAME") or (cntp[2] if len(cntp) > 2 else None)
    iban = fields.get("IBAN") or (cntp[0] if cntp[0] else None)
    text = squash(text)
    rf = rf or find_rf(text)
    return Details(
        name=squash(name) or None,
        iban=clean_iban(iban),
        end_to_end_id=reference(fields.get("EREF")),
        creditor_reference=rf,
        text=without_reference(text, rf),
    )


def parse_narrative(text: str) -> Details:
    """Details of a keyword narrative, or free text with any RF reference found in it."""
    fields = keyword_fields(text)
    if fields is not None:
        return from_keywords(fields)
    free = squash(text)
    rf = find_rf(free)
    return Details(creditor_reference=rf, text=without_reference(free, rf))


def without_reference(text: str, rf: str | None) -> str:
    """``text``, or "" when it is nothing but the creditor reference itself."""
    return "" if rf and compact(text) == rf else text
