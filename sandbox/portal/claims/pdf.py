"""The invoice as a PDF (fpdf2): seller, customer, lines, VAT, totals and credit memos."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fpdf import FPDF

from sandbox.scenario import COMPANY_NAME

SELLER_ADDRESS = ("Hafenstrasse 12", "20457 Hamburg", "Germany", "VAT ID DE 811 234 567")


def _money(amount: str | Decimal) -> str:
    return f"{Decimal(amount):,.2f}"


def _latin1(text: object) -> str:
    """fpdf2's core fonts are Latin-1: anything else becomes '?'."""
    return str(text).encode("latin-1", "replace").decode("latin-1")


def _row(pdf: FPDF, cells: tuple[str, ...], widths: tuple[int, ...], *, bold: bool = False,
         right_from: int = 3) -> None:
    pdf.set_font("Helvetica", "B" if bold else "", 9)
    for i, (text, width) in enumerate(zip(cells, widths, strict=True)):
        pdf.cell(width, 6, _latin1(text), border=1, align="R" if i >= right_from else "L")
    pdf.ln()


def invoice_pdf(inv: dict[str, Any]) -> bytes:
    """``inv`` as :meth:`sandbox.portal.claims.db.ClaimsDb.invoice` reads it."""
    cur = inv["currency"]
    pdf = FPDF(format="A4")
    pdf.set_title(f"Invoice {inv['invoice_number']}")
    pdf.set_author(COMPANY_NAME)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, _latin1(COMPANY_NAME), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    for text in SELLER_ADDRESS:
        pdf.cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, _latin1(f"Bill to: {inv['customer_name']} (customer {inv['customer_id']})"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 8, f"Invoice {inv['invoice_number']}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    facts = [f"Invoice date: {inv['issue_date']}", f"Due date: {inv['due_date']}"]
    if inv.get("order_number"):
        facts.append(f"Order: {inv['order_number']}")
    pdf.cell(0, 6, _latin1("    ".join(facts)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    widths = (12, 24, 74, 20, 28, 32)
    _row(pdf, ("Line", "Item", "Description", "Qty", "Unit price", f"Net {cur}"), widths,
         bold=True)
    for ln in inv["lines"]:
        _row(pdf, (str(ln["line_no"]), ln["sku"], ln["description"][:44], ln["quantity"],
                   _money(ln["unit_price"]), _money(ln["net"])), widths)
    pdf.ln(2)
    totals = (("Net", inv["net"]), (f"VAT {inv['vat_percent']}%", inv["vat"]),
              ("Total", inv["gross"]))
    for label, value in totals:
        pdf.set_font("Helvetica", "B" if label == "Total" else "", 10)
        pdf.cell(150, 6, label, align="R")
        pdf.cell(40, 6, f"{_money(value)} {cur}", align="R", new_x="LMARGIN", new_y="NEXT")
    if inv["credit_memos"]:
        pdf.ln(4)
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 7, "Credit memos", new_x="LMARGIN", new_y="NEXT")
        cm_widths = (40, 30, 100, 20)
        _row(pdf, ("Credit memo", "Amount", "Reason", "Date"), cm_widths, bold=True,
             right_from=9)
        for memo in inv["credit_memos"]:
            _row(pdf, (memo["number"], _money(memo["amount"]), memo["reason"][:60],
                       (memo["decided_at"] or "")[:10]), cm_widths, right_from=9)
        pdf.set_font("Helvetica", "B", 10)
        left = Decimal(inv["gross"]) - Decimal(inv["credited"])
        pdf.cell(150, 6, "Total after credit memos", align="R")
        pdf.cell(40, 6, f"{_money(left)} {cur}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "", 9)
    pdf.cell(0, 5, _latin1(f"Please pay by {inv['due_date']} quoting {inv['invoice_number']}."),
             new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
