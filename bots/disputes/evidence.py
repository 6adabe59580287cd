"""Evidence of a new dispute, gathered before a person looks at it.

Read through the targets' pages (each page a screenshot of the run, kept with the case):

- the invoice in the billing portal: its status, lines with the billed and the contract
  price, totals, and its PDF (saved into the run's evidence folder);
- the order the invoice bills and its delivery in the ERP (ordered, shipped, delivery date,
  proof of delivery), or a note that the ERP knows no order for it;
- the customer's account statement in the ERP (open items, disputed flags);
- earlier disputes of the customer (its other ``DISPUTE`` cases, from the orchestrator).

A piece a target does not have (an invoice billed from no order) is said as a note; a
target that fails technically fails the claim's item, which the queue retries.

:func:`claimed_amount` reads what a claim disputes when the customer did not write an
amount (a mail): the units of a named invoice line it says were returned, missing or not
ordered, or the difference to the contract price of a line billed above it; else the whole
invoice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from bots.disputes.case_types import DISPUTE
from bots.disputes.dedupe import BOT_NAME
from bots.disputes.model import DisputeClaim
from bots.disputes.targets import ClaimsDesk, DisputesErp, InvoicePage, money
from bots.runtime import RunContext

__all__ = ["Gathered", "claimed_amount", "earlier_disputes", "gather", "safe_name"]

CENT = Decimal("0.01")
MAX_EARLIER = 50
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "twenty": 20}
_PRICING = re.compile(r"\b(contract price|agreed price|price difference|overcharg\w*|"
                      r"billed above|wrong price|price)\b", re.IGNORECASE)
_STATED = re.compile(r"(?:amount claimed|claimed amount|claim of|amount)\s*:?\s*"
                     r"(?:EUR\s*)?([0-9][0-9.,]*[0-9])", re.IGNORECASE)


def safe_name(text: str) -> str:
    """``text`` as a file name (letters, digits, ``.-_`` only)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text.strip("<>"))[:120] or "file"


@dataclass
class Gathered:
    """What the bot found about a disputed invoice."""

    evidence: dict[str, Any] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # paths relative to the run folder
    invoice: InvoicePage | None = None
    customer_name: str = ""
    customer_email: str = ""


def earlier_disputes(ctx: RunContext, customer_id: str, invoice_number: str
                     ) -> list[dict[str, Any]]:
    """The customer's other dispute cases (open or ended), newest last."""
    out: list[dict[str, Any]] = []
    for status in ("open", "resolved", "closed"):
        for case in ctx.cases.find(bot=BOT_NAME, customer_id=customer_id,
                                   reason_code=DISPUTE, status=status, limit=MAX_EARLIER):
            dispute = case.data.get("dispute") or {}
            if dispute.get("invoice_number") == invoice_number and status == "open":
                continue  # the dispute itself, not an earlier one
            out.append({"case_id": case.id, "case_ref": dispute.get("case_ref", ""),
                        "invoice": dispute.get("invoice_number", ""),
                        "reason": dispute.get("reason_code", ""), "status": case.status,
                        "amount": f"{case.amount:.2f}" if case.amount is not None else ""})
    return out


def _lines_table(page: InvoicePage) -> list[dict[str, str]]:
    return [{"line": str(n), **{k: (v or "") for k, v in line.items()}}
            for n, line in enumerate(page.lines, start=1)]


def gather(ctx: RunContext, desk: ClaimsDesk, erp: DisputesErp, claim: DisputeClaim,
           folder: Path) -> Gathered:
    """Read the evidence of ``claim``'s invoice; files are saved under ``folder`` (inside
    the run folder)."""
    out = Gathered()
    number, customer = claim.invoice_number, claim.customer_id
    folder.mkdir(parents=True, exist_ok=True)
    rel = folder.relative_to(ctx.run_dir)
    page = desk.invoice(number)
    out.invoice = page
    if page is None:
        out.evidence["invoice_status"] = "not in the billing portal"
    else:
        out.evidence["invoice_status"] = page.status
        out.evidence["contract_prices"] = _lines_table(page)
        out.evidence["invoice_totals"] = {"net": f"{page.net:.2f}", "vat": f"{page.vat:.2f}",
                                          "gross": f"{page.gross:.2f}"}
        if page.screenshot:
            out.files.append(page.screenshot)
        pdf = desk.invoice_pdf(number)
        if pdf.startswith(b"%PDF"):
            (folder / f"{safe_name(number)}.pdf").write_bytes(pdf)
            out.evidence["invoice_pdf"] = (rel / f"{safe_name(number)}.pdf").as_posix()
            out.files.append(out.evidence["invoice_pdf"])
        else:
            out.evidence["invoice_pdf"] = ""
            out.evidence["invoice_pdf_note"] = "the portal's answer was no PDF"
    order = erp.order(number)
    if order is None:
        out.evidence["order"] = {"note": f"the ERP knows no order billed by {number}"}
    else:
        out.evidence["order"] = {
            "order_number": order.order_number, "order_date": order.order_date,
            "delivery_date": order.delivery_date,
            "proof_of_delivery": order.proof_of_delivery,
            "lines": [dict(line) for line in order.lines],
            "invoices": list(order.invoices)}
        if order.screenshot:
            out.files.append(order.screenshot)
    out.customer_name, out.customer_email = erp.customer(customer)
    items, shot = erp.statement(customer)
    out.evidence["payments"] = items
    if shot:
        out.files.append(shot)
    out.evidence["earlier_disputes"] = earlier_disputes(ctx, customer, number)
    return out


def _vat_factor(page: InvoicePage) -> Decimal:
    return Decimal(1) if not page.net else (page.gross / page.net)


def _quantity_named(text: str, description: str) -> Decimal | None:
    """The units of a line the text names (``5 pump motors``, ``two lubricant drums``)."""
    word = description.split()[0].lower() if description.split() else ""
    if len(word) < 3:
        return None
    found = re.search(rf"\b(\d+|{'|'.join(_NUMBERS)})\s+(?:\w+\s+){{0,2}}{re.escape(word)}",
                      text, re.IGNORECASE)
    if found is None:
        return None
    raw = found.group(1).lower()
    return Decimal(_NUMBERS[raw]) if raw in _NUMBERS else Decimal(raw)


def _line_named(text: str, description: str) -> bool:
    word = description.split()[0].lower() if description.split() else ""
    return len(word) >= 3 and re.search(rf"\b{re.escape(word)}", text, re.IGNORECASE) is not None


def claimed_amount(text: str, page: InvoicePage | None) -> tuple[Decimal | None, str]:
    """What a claim without an amount of its own disputes (gross), and how it was read;
    None when the invoice is unknown."""
    stated = _STATED.search(text)
    if stated:
        return money(stated.group(1), "amount claimed"), "the amount the customer wrote"
    if page is None:
        return None, ""
    factor = _vat_factor(page)
    pricing = bool(_PRICING.search(text))
    total, said = Decimal("0"), []
    for line in page.lines:
        description = line.get("description") or ""
        qty = money(line.get("quantity"), "quantity")
        price = money(line.get("unit_price"), "unit price")
        contract = line.get("contract_price") or ""
        if pricing and contract.strip() and _line_named(text, description):
            diff = price - money(contract, "contract price")
            if diff > 0:
                total += diff * qty * factor
                said.append(f"{description}: {qty} x {diff} above the contract price")
            continue
        named = _quantity_named(text, description)
        if named is not None and 0 < named <= qty:
            total += named * price * factor
            said.append(f"{description}: {named} of {qty}")
    if total > 0:
        return total.quantize(CENT), "; ".join(said)
    return page.gross, "the whole invoice (the customer named no amount or line)"
