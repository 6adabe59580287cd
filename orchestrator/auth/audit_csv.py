"""The audit trail as CSV, for auditors' spreadsheets.

``via_token`` names the API token the actor acted through (empty: in person, from the
command line, or the system). Cells that a spreadsheet would run as a formula (``=``,
``+``, ``-``, ``@``, tab, CR) get a leading apostrophe: actor and target can hold text an
outsider typed (a failed sign-in).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import IO

from orchestrator.store.models import AuditRecord

__all__ = ["COLUMNS", "audit_csv_lines", "write_audit_csv"]

COLUMNS = ("id", "at", "actor", "via_token", "action", "target", "details", "prev_hash",
           "hash")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def _row(r: AuditRecord) -> list[str]:
    details = json.dumps(r.details, sort_keys=True, ensure_ascii=False) if r.details else ""
    return [str(r.id), r.at.isoformat(), _cell(r.actor), _cell(r.via_token), _cell(r.action),
            _cell(r.target), _cell(details), r.prev_hash or "", r.hash or ""]


class _Line:
    """A file-like object that hands back what csv.writer wrote."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text = text
        return len(text)


def audit_csv_lines(records: Iterable[AuditRecord]) -> Iterator[str]:
    """The header and one CSV line per record (for a streaming response)."""
    line = _Line()
    writer = csv.writer(line)
    writer.writerow(COLUMNS)
    yield line.text
    for r in records:
        writer.writerow(_row(r))
        yield line.text


def write_audit_csv(records: Iterable[AuditRecord], fh: IO[str]) -> int:
    """Write every record to ``fh``; returns how many."""
    lines = 0
    for text in audit_csv_lines(records):
        fh.write(text)
        lines += 1
    return lines - 1
