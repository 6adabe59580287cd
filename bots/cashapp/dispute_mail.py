"""Which mails of the finance mailbox are customers' dispute claims for the disputes bot.

Customers' mails land in one INBOX. A mail that contests an invoice (a price above the
contract, goods damaged, returned or never ordered, a service never rendered, a complaint or
a claim, in English, German, French, Dutch, Spanish or Norwegian) and names an invoice (or
carries a PDF, where the invoice number may be) is a dispute claim: the disputes bot opens
or joins the invoice's dispute case and files the mail to :data:`DISPUTE_FOLDER`.

Part of a dunning conversation it is not: a reply to a payment reminder (``In-Reply-To`` or
``References``, a subject starting ``Re:``/``AW:``) or a mail refusing to pay stays with the
collections bot, which notes the customer's stance on the account. Both bots test the INBOX
with :func:`is_dispute_mail`, so whichever runs first leaves the other's mail alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.message import EmailMessage

__all__ = ["DISPUTE_FOLDER", "INVOICE_NUMBER", "MAX_SCAN", "invoice_numbers",
           "is_dispute_mail", "is_dispute_message", "names_dispute"]

#: where the disputes bot files a dispute mail once its case is open (or its claim linked)
DISPUTE_FOLDER = "Disputes"
INVOICE_NUMBER = re.compile(r"\bINV-\d{4}-\d{4}\b", re.IGNORECASE)
#: the most text of a mail that is looked at
MAX_SCAN = 20_000

_DISPUTE = re.compile(
    r"\b(disput\w*|complain\w*|complaint|claim(s|ed)?|contest\w*|credit (note|memo)|"
    r"overcharg\w*|over-?billed|billed (twice|above|again)|price difference|wrong price|"
    r"contract price|not ordered|never ordered|never (carried out|delivered|arrived|done)|"
    r"not (carried out|delivered|rendered|right|correct)|returned|damaged|defective|"
    r"short (shipment|delivery)|duplicate (billing|invoice)|incorrect|"
    # German
    r"reklamation|beanstand\w*|gutschrift|falsch\w*|beschädigt\w*|nicht bestellt|"
    r"zurückgesandt|retour\w*|"
    # French
    r"réclamation|reclamation|litige|contestation|avoir|endommagé\w*|non commandé\w*|"
    # Dutch
    r"klacht|creditnota|beschadigd|niet besteld|"
    # Spanish
    r"reclamación|disputa|abono|dañad\w*|"
    # Norwegian
    r"reklamasjon|kreditnota|skadet|ikke bestilt)\b", re.IGNORECASE)
_REFUSAL = re.compile(
    r"\b(will not pay|won't pay|do not accept|don't accept|not pay this|refuse to pay|"
    r"(werden|wird) (\w+ ){0,4}nicht (be)?zahlen|zahlen wir nicht)\b", re.IGNORECASE)
_REPLY_SUBJECT = re.compile(r"^\s*(re|aw|sv|antw|réf|rif)\s*:", re.IGNORECASE)


def names_dispute(text: str) -> bool:
    """Whether ``text`` uses the words of a dispute (any of the languages above)."""
    return bool(_DISPUTE.search((text or "")[:MAX_SCAN]))


def invoice_numbers(text: str) -> list[str]:
    """The invoice numbers named in ``text``, upper case, in order, each once."""
    return list(dict.fromkeys(m.group(0).upper()
                              for m in INVOICE_NUMBER.finditer((text or "")[:MAX_SCAN])))


def is_dispute_mail(subject: str, text: str, *, replied_to: Iterable[str] = (),
                    attachment_names: Iterable[str] = ()) -> bool:
    """A mail that contests an invoice, names one (or carries a PDF), and is no part of a
    dunning conversation (no reply, no refusal to pay)."""
    subject, text = subject or "", (text or "")[:MAX_SCAN]
    if any(r.strip() for r in replied_to) or _REPLY_SUBJECT.match(subject):
        return False
    words = f"{subject}\n{text}"
    if not names_dispute(words) or _REFUSAL.search(words):
        return False
    has_pdf = any(n.lower().endswith(".pdf") for n in attachment_names)
    return bool(invoice_numbers(words)) or has_pdf


def _plain_text(msg: EmailMessage) -> str:
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        return str(body.get_content())[:MAX_SCAN]
    except (LookupError, ValueError):
        return ""


def is_dispute_message(msg: EmailMessage) -> bool:
    """:func:`is_dispute_mail` of a parsed message."""
    replied = [str(msg.get("In-Reply-To", "") or ""), str(msg.get("References", "") or "")]
    names = [p.get_filename() or "" for p in msg.iter_attachments()]
    return is_dispute_mail(str(msg.get("Subject", "") or ""), _plain_text(msg),
                           replied_to=replied, attachment_names=names)
