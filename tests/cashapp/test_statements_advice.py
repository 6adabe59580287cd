"""Remittance advices from .xlsx (RPA.Excel.Files) and PDF (RPA.PDF), built here with
openpyxl and fpdf2."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from fpdf import FPDF
from openpyxl import Workbook
from typer.testing import CliRunner

from bots.cashapp.cli import statements_app as app
from bots.cashapp.model import RemittanceLine
from bots.cashapp.statements import parse_remittance_file
from bots.runtime.errors import StatementParseError, UnknownFormatError

LINES = [("INV-2026-1003", 500, 0, ""), ("INV-2026-1004", 750, 0, ""),
         ("INV-2026-1005", 1250.5, None, "final instalment")]


def build_xlsx(path: Path, lines: list[tuple[object, ...]] = LINES,
               amount: object = 2500.50) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "Advice"
    sheet.append(["Remittance advice"])
    sheet.append(["Payer", "Castellan Retail S.A."])
    sheet.append(["Payment reference", "CR-2026-11-0042"])
    sheet.append(["Payment date", dt.date(2026, 11, 20)])
    sheet.append(["Payment amount", amount])
    sheet.append(["Currency", "EUR"])
    sheet.append([])
    sheet.append(["Invoice number", "Amount paid", "Deduction", "Note"])
    for line in lines:
        sheet.append(list(line))
    sheet.append(["Total", amount])
    book.save(path)
    return path


def build_pdf(path: Path, rows: list[tuple[str, ...]] | None = None) -> Path:
    """A one-page advice whose table cells are separate text boxes, as office tools write."""
    rows = rows or [("INV-2026-1003", "500.00", "0.00", ""),
                    ("INV-2026-1004", "750.00", "0.00", ""),
                    ("INV-2026-1005", "1,250.50", "0.00", "final instalment")]
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for text in ("Castellan Retail S.A. - Remittance advice", "Payer: Castellan Retail S.A.",
                 "Payment reference: CR-2026-11-0042", "Invoice date range: October 2026",
                 "Payment amount: EUR 2,500.50", ""):
        pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    for row in [("Invoice", "Amount paid", "Deduction", "Note"), *rows, ("Total", "2,500.50")]:
        for i, cell in enumerate(row):
            pdf.cell(40 if i < 3 else 60, 7, cell, new_x="RIGHT", new_y="TOP")
        pdf.ln(7)
    pdf.output(str(path))
    return path


def test_excel_advice(tmp_path: Path) -> None:
    advice = parse_remittance_file(build_xlsx(tmp_path / "advice.xlsx"))
    assert advice.payer_name == "Castellan Retail S.A."
    assert advice.payment_reference == "CR-2026-11-0042"
    assert advice.payment_amount == Decimal("2500.5") and advice.currency == "EUR"
    assert advice.lines == (
        RemittanceLine("INV-2026-1003", Decimal("500"), Decimal("0")),
        RemittanceLine("INV-2026-1004", Decimal("750"), Decimal("0")),
        RemittanceLine("INV-2026-1005", Decimal("1250.5"), Decimal("0"), "final instalment"),
    )


def test_pdf_advice(tmp_path: Path) -> None:
    advice = parse_remittance_file(build_pdf(tmp_path / "advice.pdf"))
    assert advice.payer_name == "Castellan Retail S.A."
    assert advice.payment_reference == "CR-2026-11-0042"
    assert (advice.payment_amount, advice.currency) == (Decimal("2500.50"), "EUR")
    assert [(x.invoice_number, x.amount) for x in advice.lines] == [
        ("INV-2026-1003", Decimal("500.00")), ("INV-2026-1004", Decimal("750.00")),
        ("INV-2026-1005", Decimal("1250.50"))]
    assert advice.lines[2].note == "final instalment"


def test_format_told_by_content(tmp_path: Path) -> None:
    disguised = build_pdf(tmp_path / "advice.pdf").rename(tmp_path / "advice.xlsx")
    assert parse_remittance_file(disguised).payer_name == "Castellan Retail S.A."


def test_lines_that_do_not_add_up_are_refused(tmp_path: Path) -> None:
    path = build_xlsx(tmp_path / "a.xlsx", amount=2600)
    with pytest.raises(StatementParseError, match=r"add up to 2500\.5"):
        parse_remittance_file(path)


def test_bad_amount_names_the_row(tmp_path: Path) -> None:
    path = build_xlsx(tmp_path / "a.xlsx", lines=[("INV-2026-1003", "five hundred", 0, "")])
    with pytest.raises(StatementParseError, match="not a number") as err:
        parse_remittance_file(path)
    assert err.value.location == "sheet Advice row 9"


def test_three_decimals_in_a_pdf_line(tmp_path: Path) -> None:
    path = build_pdf(tmp_path / "a.pdf", rows=[("INV-2026-1003", "500.005", "0.00", "")])
    with pytest.raises(StatementParseError, match="3 decimals") as err:
        parse_remittance_file(path)
    assert (err.value.location or "").startswith("page 1 line ")


def test_unknown_and_broken_files(tmp_path: Path) -> None:
    text = tmp_path / "advice.txt"
    text.write_text("Payer: someone")
    with pytest.raises(UnknownFormatError):
        parse_remittance_file(text)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(StatementParseError, match="not a readable workbook"):
        parse_remittance_file(broken)


def test_cli_prints_the_advice_as_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["advice", str(build_xlsx(tmp_path / "a.xlsx")), "--json"])
    assert result.exit_code == 0, result.output
    assert '"invoice_number": "INV-2026-1005"' in result.stdout
    assert '"amount": "1250.5"' in result.stdout
