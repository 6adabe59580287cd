"""Remittance advices sent as Excel workbooks, read with rpaframework's ``RPA.Excel.Files``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from RPA.Excel.Files import Files

from bots.cashapp.model import RemittanceAdvice
from bots.cashapp.statements.advice import COLUMN_LABELS, FIELD_LABELS, AdviceBuilder, label
from bots.runtime.errors import StatementParseError


def _rows(path: Path) -> tuple[str, list[list[Any]]]:
    excel = Files()
    try:
        excel.open_workbook(str(path), data_only=True)
        sheet = excel.get_active_worksheet()
        table = excel.read_worksheet(header=False)
    except Exception as exc:  # the library raises whatever openpyxl/xlrd raise
        raise StatementParseError(f"not a readable workbook: {exc}", file=str(path)) from exc
    finally:
        excel.close_workbook()
    rows = [list(row.values()) for row in table]
    return str(sheet), rows


def _cell(cells: list[Any], columns: dict[str, int], name: str) -> Any:
    i = columns.get(name)
    return cells[i] if i is not None and i < len(cells) else None


def read_excel_advice(path: str | Path) -> RemittanceAdvice:
    """Labelled fields (``Payer``, ``Payment reference``, ...) then an invoice table."""
    path = Path(path)
    sheet, rows = _rows(path)
    advice = AdviceBuilder(str(path))
    columns: dict[str, int] | None = None
    for number, row in enumerate(rows, start=1):
        where = f"sheet {sheet} row {number}"
        cells = list(row)
        if not any(str(c or "").strip() for c in cells):
            if columns and advice.lines:
                break  # a blank row ends the table
            continue
        names = [COLUMN_LABELS.get(label(c)) for c in cells]
        if columns is None and "invoice" in names and "amount" in names:
            columns = {name: i for i, name in enumerate(names) if name}
            continue
        if columns is None:
            key = FIELD_LABELS.get(label(cells[0]))
            if key and len(cells) > 1:
                advice.set_field(key, cells[1], where)
            continue
        if label(cells[columns["invoice"]]) in ("total", "sum"):
            break
        advice.add_line(*(_cell(cells, columns, n) for n in ("invoice", "amount", "deduction",
                                                            "note")), where)
    return advice.build(f"sheet {sheet}")
