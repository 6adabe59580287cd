"""Remittance advices sent as PDF, read with rpaframework's ``RPA.PDF`` text extraction."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from RPA.PDF import PDF

from bots.cashapp.model import RemittanceAdvice
from bots.cashapp.statements.advice import COLUMN_LABELS, FIELD_LABELS, AdviceBuilder, label
from bots.runtime.errors import StatementParseError

_SAME_LINE = 3.0  # points: boxes this close vertically sit on one line
_FIELD = re.compile(r"^(?P<label>[A-Za-z][A-Za-z .\-]*?)\s*:\s*(?P<value>.+)$")
_LINE = re.compile(r"^(?P<invoice>\S+)\s+(?P<amount>-?[\d.,]+)"
                   r"(?:\s+(?P<deduction>-?[\d.,]+))?(?:\s+(?P<note>.+))?$")


def _pages(path: Path) -> dict[int, list[str]]:
    """Text lines per page: text boxes on one baseline joined left to right."""
    pdf = PDF()
    try:
        boxes: dict[int, list[Any]] = pdf.get_text_from_pdf(str(path), details=True)
    except Exception as exc:  # pdfminer raises many kinds on a broken file
        raise StatementParseError(f"not a readable PDF: {exc}", file=str(path)) from exc
    finally:
        pdf.close_all_pdfs()
    return {page: _lines(items) for page, items in boxes.items()}


def _lines(boxes: list[Any]) -> list[str]:
    pieces: list[tuple[float, float, str]] = []  # (y from the top, x, text)
    for box in boxes:
        left, bottom, _, top = box.bbox
        rows = [r for r in box.text.splitlines() if r.strip()]
        step = (top - bottom) / max(len(rows), 1)
        pieces += [(-(top - i * step), left, row.strip()) for i, row in enumerate(rows)]
    lines: list[list[tuple[float, float, str]]] = []
    for piece in sorted(pieces):
        if lines and abs(lines[-1][0][0] - piece[0]) <= _SAME_LINE:
            lines[-1].append(piece)
        else:
            lines.append([piece])
    return ["   ".join(text for _, _, text in sorted(line, key=lambda p: p[1]))
            for line in lines]


def _is_header(line: str) -> bool:
    """``Invoice  Amount paid  Deduction  Note``: an invoice column and an amount column."""
    words = label(line)
    invoice = tuple(k for k, v in COLUMN_LABELS.items() if v == "invoice")
    amount = [k for k, v in COLUMN_LABELS.items() if v == "amount"]
    return words.startswith(invoice) and ":" not in line and any(a in words for a in amount)


def read_pdf_advice(path: str | Path) -> RemittanceAdvice:
    """``Payer: ...`` style fields, then a table headed ``Invoice  Amount ...``."""
    path = Path(path)
    advice = AdviceBuilder(str(path))
    in_table = False
    for page, lines in sorted(_pages(path).items()):
        for number, raw in enumerate(lines, start=1):
            line, where = raw.strip(), f"page {page} line {number}"
            if not line:
                continue
            if _is_header(line):
                in_table = True
                continue
            if in_table:
                if label(line).startswith(("total", "sum")):
                    in_table = False
                    continue
                match = _LINE.match(line)
                if not match:
                    raise StatementParseError(f"cannot read invoice line {line!r}",
                                              file=str(path), location=where)
                advice.add_line(match["invoice"], match["amount"], match["deduction"],
                                match["note"], where)
                continue
            field = _FIELD.match(line)
            key = FIELD_LABELS.get(label(field["label"])) if field else None
            if field and key:
                advice.set_field(key, field["value"], where)
    return advice.build("page 1")
