"""Customers' dispute mails seeded into the finance mailbox's INBOX (the ``mail`` claims of
:mod:`sandbox.disputes_scenario`).

Each mail comes from the customer's accounts-payable mailbox
(:func:`~sandbox.mail.addresses.customer_mailbox`), dated when the claim was received, with
the customer's words as its body and a signature. D07 is ``multipart/alternative`` (plain
text and HTML, as a mail client sends it); D06's body does not name the invoice: its number
is only in the attached claim form, a real PDF.

The disputes bot moves a mail it took in to folder :data:`DISPUTES_FOLDER` and answers the
sender with an acknowledgement; ``finbots sandbox check`` compares with that
(:mod:`sandbox.disputes_check`).
"""

from __future__ import annotations

import functools
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from sandbox.disputes_scenario import SeededClaim, claims, invoice
from sandbox.mail.addresses import FINANCE_MAILBOX
from sandbox.scenario import COMPANY_NAME, CUSTOMERS

__all__ = ["DISPUTES_FOLDER", "claim_form_pdf", "dispute_message_id", "seeded_disputes"]

#: where the disputes bot files a dispute mail it took in
DISPUTES_FOLDER = "Disputes"
#: who signs each customer's mails (customer id -> name, role)
_SIGNERS = {
    "C1001": ("Petra Lang", "Accounts Payable"),
    "C1003": ("Claire Dubois", "Comptabilit\u00e9 fournisseurs"),
    "C1005": ("Jonas Becker", "Kreditorenbuchhaltung"),
    "C1006": ("Ingrid Solberg", "Regnskap"),
    "C1007": ("Bob Miller", "Purchasing"),
}
_HTML_KEYS = ("D07",)


def dispute_message_id(claim: SeededClaim) -> str:
    """``<dispute-d06.c1006@customers.example>``: the claim's key and its customer."""
    domain = claim.sender.rpartition("@")[2]
    return f"<dispute-{claim.key.lower()}.{claim.customer_id.lower()}@{domain}>"


def _customer_name(customer_id: str) -> str:
    return next(c.name for c in CUSTOMERS if c.customer_id == customer_id)


def _signature(claim: SeededClaim) -> tuple[str, str]:
    name, role = _SIGNERS.get(claim.customer_id, ("Accounts Payable", ""))
    company = _customer_name(claim.customer_id)
    return name, f"{name}\n{role + ', ' if role else ''}{company}"


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


@functools.cache
def claim_form_pdf(claim: SeededClaim) -> bytes:
    """The customer's claim form: who claims, the invoice, the amount and why (made once
    per process: every reset seeds the same file)."""
    from fpdf import FPDF  # only when the mails are seeded: fpdf2 is slow to import

    billed = invoice(claim.invoice_number)
    pdf = FPDF(format="A4")
    pdf.set_title(f"Claim form {claim.invoice_number}")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 10, _latin1(_customer_name(claim.customer_id)), new_x="LMARGIN",
             new_y="NEXT")
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, "Claim form", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", "", 10)
    for label, value in (("Supplier", COMPANY_NAME), ("Customer number", claim.customer_id),
                         ("Invoice number", claim.invoice_number),
                         ("Invoice date", billed.issue_date.isoformat()),
                         ("Amount claimed", f"{claim.amount:,.2f} EUR"),
                         ("Date of claim", claim.received_at.date().isoformat())):
        pdf.cell(50, 7, f"{label}:")
        pdf.cell(0, 7, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 7, "Reason for the claim", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    reason = ("The service invoiced (" + billed.lines[0].description + ") was not "
              "performed: no technician came on board on the agreed date. We ask for a "
              "full credit note.")
    pdf.multi_cell(0, 6, _latin1(reason), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.cell(0, 7, _latin1(f"Signed: {_signature(claim)[0]}"), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _html(text: str, signature: str) -> str:
    paras = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
    sig = "<br>".join(signature.splitlines())
    return (f"<html><body style=\"font-family: Arial, sans-serif\">{paras}"
            f"<p>Best regards,<br>{sig}</p></body></html>")


def _message(claim: SeededClaim) -> EmailMessage:
    name, signature = _signature(claim)
    msg = EmailMessage()
    msg["From"] = formataddr((f"{name}, {_customer_name(claim.customer_id)}", claim.sender))
    msg["To"] = formataddr((f"{COMPANY_NAME} Accounts Receivable", FINANCE_MAILBOX))
    msg["Subject"] = claim.subject
    msg["Date"] = format_datetime(claim.received_at)
    msg["Message-ID"] = dispute_message_id(claim)
    msg.set_content(f"{claim.text}\n\nBest regards,\n{signature}\n")
    if claim.key in _HTML_KEYS:
        msg.add_alternative(_html(claim.text, signature), subtype="html")
    if claim.attachment:
        msg.add_attachment(claim_form_pdf(claim), maintype="application", subtype="pdf",
                           filename=claim.attachment)
    parsed = message_from_bytes(msg.as_bytes(), _class=EmailMessage, policy=policy.default)
    return parsed  # type: ignore[return-value]


def seeded_disputes() -> list[EmailMessage]:
    """The dispute mails waiting in the finance INBOX, oldest first."""
    return [_message(c) for c in sorted(claims("mail"), key=lambda c: c.received_at)]
