"""Remittance advices sent as CSV: labelled fields (``Payer,Castellan Retail S.A.``) then an
invoice table (a header row naming at least the invoice and amount columns), as in the
spreadsheet advices. Comma, semicolon or tab separated; UTF-8 (with or without BOM), else
Windows-1252. Errors name the file and line."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from bots.cashapp.model import RemittanceAdvice
from bots.cashapp.statements.advice import AdviceBuilder
from bots.runtime.errors import StatementParseError

#: an advice is a page of text: anything larger is not one
MAX_ADVICE_BYTES = 2 * 1024 * 1024


def _text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StatementParseError(f"cannot read file: {exc.strerror}", file=str(path)) from exc
    if len(data) > MAX_ADVICE_BYTES:
        raise StatementParseError(f"advice is {len(data):,} bytes, more than "
                                  f"{MAX_ADVICE_BYTES:,}", file=str(path))
    if b"\x00" in data:
        line = data[:data.index(b"\x00")].count(b"\n") + 1
        raise StatementParseError("NUL byte in a text file", file=str(path),
                                  location=f"line {line}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_csv_advice(path: str | Path) -> RemittanceAdvice:
    path = Path(path)
    text = _text(path)
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = max((";", "\t", ","), key=first.count) if first else ","
    advice = AdviceBuilder(str(path))
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise StatementParseError(f"not a readable CSV file: {exc}", file=str(path)) from exc
    last = advice.read_rows((f"line {number}", cells)
                            for number, cells in enumerate(rows, start=1))
    return advice.build(last)
