"""Claims from the finance mailbox: the INBOX's dispute mails.

A mail is a claim when :func:`bots.cashapp.dispute_mail.is_dispute_mail` says so (it
contests an invoice, names one or carries a PDF, and is no part of a dunning conversation).
The invoice number comes from the subject, the body, or the text of an attached PDF (at
most 5 MiB and 20 pages read; a PDF that cannot be read is said, never guessed). The raw
mail is kept as ``.eml`` in the run's evidence; reference ``mail:<Message-ID>``. A claim
mail naming no invoice, or several, is still queued with the problem named.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from decimal import Decimal
from pathlib import Path

from bots.cashapp.dispute_mail import MAX_SCAN, invoice_numbers, is_dispute_mail
from bots.disputes.evidence import safe_name
from bots.disputes.model import DisputeClaim
from bots.runtime import RunContext
from bots.runtime.mail import MailClient
from bots.runtime.mail_message import MailMessage

__all__ = ["MAX_MAILS", "MAX_PDF_BYTES", "MAX_PDF_PAGES", "pdf_text", "read_mail_claims"]

MAX_MAILS = 500
MAX_PDF_BYTES = 5 * 1024 * 1024
MAX_PDF_PAGES = 20
#: the longest Message-ID kept in a reference
MAX_ID = 250


def pdf_text(content: bytes) -> str:
    """The text of a PDF's first pages ("" when it is too large or cannot be read)."""
    if len(content) > MAX_PDF_BYTES or not content.startswith(b"%PDF"):
        return ""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(content))
        parts = [page.extract_text() or "" for page in reader.pages[:MAX_PDF_PAGES]]
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        return ""
    return "\n".join(parts)[:MAX_SCAN]


def _claim_text(msg: MailMessage) -> tuple[str, str]:
    """(the customer's text, the text of its PDFs)."""
    pdfs = "\n".join(pdf_text(a.content) for a in msg.attachments
                     if a.name.lower().endswith(".pdf"))
    return (msg.text or "")[:MAX_SCAN], pdfs


def read_mail_claims(ctx: RunContext, mailbox: MailClient, folder: Path
                     ) -> list[DisputeClaim]:
    """The dispute mails of the INBOX as claims; each raw mail kept under ``folder``."""
    out: list[DisputeClaim] = []
    for msg in mailbox.messages("INBOX")[:MAX_MAILS]:
        names = [a.name for a in msg.attachments] + list(msg.omitted)
        replied = [msg.in_reply_to or "", *msg.references]
        text, pdfs = _claim_text(msg)
        if not is_dispute_mail(msg.subject, text, replied_to=replied, attachment_names=names):
            continue
        message_id = (msg.message_id or f"<uid-{msg.uid}@finance-mailbox>").strip()[:MAX_ID]
        folder.mkdir(parents=True, exist_ok=True)
        eml = folder / f"{safe_name(message_id)}.eml"
        eml.write_bytes(mailbox.raw(msg.uid))
        found = invoice_numbers(f"{msg.subject}\n{text}") or invoice_numbers(pdfs)
        extra = {"message_id": message_id, "uid": msg.uid,
                 "invoice_from": "pdf" if found and not invoice_numbers(
                     f"{msg.subject}\n{text}") else "mail", "pdf_text": pdfs[:4000]}
        if not found:
            extra["problem"] = f"mail {message_id} from {msg.sender}: names no invoice " \
                               "(subject, body or PDF)"
        elif len(found) > 1:
            extra["problem"] = f"mail {message_id} from {msg.sender}: names several " \
                               f"invoices ({', '.join(found)}): a person splits the claim"
        out.append(DisputeClaim(
            channel="mail", external_id=message_id, customer_id="",
            invoice_number=found[0] if found else "", amount=Decimal("0.00"),
            currency="EUR", text=text.strip(),
            received_at=(msg.date or dt.datetime.now(dt.UTC)).astimezone(dt.UTC),
            claimant_address=msg.sender, attachments=(str(eml),), subject=msg.subject,
            extra=extra))
    return out
