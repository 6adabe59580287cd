"""Remittance advices sent as Excel workbooks, read with rpaframework's ``RPA.Excel.Files``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from RPA.Excel.Files import Files

from bots.cashapp.model import RemittanceAdvice
from bots.cashapp.statements.advice import AdviceBuilder
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


def read_excel_advice(path: str | Path) -> RemittanceAdvice:
    """Labelled fields (``Payer``, ``Payment reference``, ...) then an invoice table."""
    path = Path(path)
    sheet, rows = _rows(path)
    advice = AdviceBuilder(str(path))
    advice.read_rows((f"sheet {sheet} row {number}", list(row))
                     for number, row in enumerate(rows, start=1))
    return advice.build(f"sheet {sheet}")
