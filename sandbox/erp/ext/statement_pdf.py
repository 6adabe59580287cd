"""The customer account statement as a PDF (fpdf2, which rpaframework's PDF library already
brings in)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fpdf import FPDF


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _latin1(text: str) -> str:
    """fpdf2's core fonts are Latin-1: anything else becomes '?'."""
    return str(text).encode("latin-1", "replace").decode("latin-1")


def _table(pdf: FPDF, title: str, header: tuple[str, ...], rows: list[tuple[str, ...]],
           widths: tuple[int, ...]) -> None:
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 8, _latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 9)
    for text, width in zip(header, widths, strict=True):
        pdf.cell(width, 6, text, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for row in rows or [("none",) + ("",) * (len(header) - 1)]:
        for text, width in zip(row, widths, strict=True):
            pdf.cell(width, 6, _latin1(text), border=1)
        pdf.ln()
    pdf.ln(3)


def statement_pdf(data: dict[str, Any]) -> bytes:
    """``data`` as :func:`sandbox.erp.ext.collections._statement` builds it."""
    cust, cur = data["customer"], data["currency"]
    pdf = FPDF(format="A4")
    pdf.set_title(f"Account statement {cust['customer_id']}")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 10, _latin1(data["company"]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, _latin1(f"Account statement as of {data['as_of']:%Y-%m-%d}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, _latin1(f"Customer {cust['customer_id']} - {cust['name']}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    _table(pdf, "Open items", ("Invoice", "Due date", "Amount", "Open", "Days overdue"),
           [(i.invoice_number, i.due_date, _money(i.amount), _money(i.amount_open),
             str(max(i.days_overdue, 0))) for i in data["items"]], (40, 30, 35, 35, 30))
    _table(pdf, "Unapplied cash and credits", ("Document", "Date", "Amount", "Text"),
           [(u.document, u.date, _money(u.amount), u.text[:40]) for u in data["unapplied"]],
           (40, 30, 35, 75))
    _table(pdf, "Paid in the last 12 months", ("Invoice", "Due date", "Paid", "Amount",
                                               "Days late"),
           [(p.invoice_number, p.due_date, p.paid_date, _money(p.amount), str(p.days_late))
            for p in data["paid"]], (40, 30, 30, 35, 25))
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 6, f"Open items: {_money(data['open_total'])} {cur}", new_x="LMARGIN",
             new_y="NEXT")
    pdf.cell(0, 6, f"Unapplied cash and credits: {_money(data['unapplied_total'])} {cur}",
             new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, f"Balance due: {_money(data['balance'])} {cur}", new_x="LMARGIN",
             new_y="NEXT")
    return bytes(pdf.output())
