"""Reading a customer's reply to a payment reminder: what it is and what it says.

Deterministic rules, in this order (the first that applies decides):

1. **out of office**: an autoreply (``Auto-Submitted`` other than ``no``, ``X-Autoreply``,
   a subject such as "Automatic reply", "Out of office", "Abwesenheitsnotiz");
2. **dispute**: the customer refuses or contests an invoice (do not accept, complaint,
   missing or damaged goods, credit note, Reklamation, beanstanden ...);
3. **already paid**: the customer says it paid (already paid, was paid on, remittance
   advice, bereits bezahlt / überwiesen); the amount and date are read when written;
4. **promise to pay**: the customer says it will pay (we will pay / transfer / settle,
   wir werden ... überweisen, überweisen wir ...) naming exactly one date, not before the
   mail's own date, and exactly one amount;
5. otherwise, or a promise without one clear date and amount: **unreadable**, for a person.

Only the customer's own words count: quoted text (``>`` lines, "On ... wrote:", "Am ...
schrieb", "-----Original Message-----") is cut off first, so the reminder's own dates and
amounts are never taken for the customer's.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime

from bots.runtime.text_values import find_amounts, find_dates

__all__ = ["INVOICE_NUMBER", "ReplyReading", "own_words", "read_reply"]

INVOICE_NUMBER = re.compile(r"\bINV-\d{4}-\d{4}\b", re.IGNORECASE)
#: the longest text of a mail that is read (the rest is ignored, and the reading says so)
MAX_TEXT = 20_000

_AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto[- ]?reply|out of (the )?office|abwesenheitsnotiz|"
    r"automatische antwort|abwesend)", re.IGNORECASE)
_DISPUTE = re.compile(
    r"\b(do not accept|don't accept|not accept|dispute[sd]?|complaint|contest|"
    r"missing|damaged|defective|credit note|wrong price|not ordered|reklamation|"
    r"beanstand\w*|nicht akzeptier\w*|gutschrift|fehlend\w*|beschädigt\w*)\b",
    re.IGNORECASE)
_PAID = re.compile(
    r"\b(already (been )?paid|(was|were|has been|have been) paid|we (have )?paid|"
    r"paid on|remittance|(bereits|schon) (bezahlt|überwiesen|beglichen)|"
    r"haben (\w+ ){0,6}(bezahlt|überwiesen|beglichen))\b", re.IGNORECASE)
_PROMISE = re.compile(
    r"\b(will (\w+ ){0,2}(pay|transfer|settle|remit)|we'll pay|shall pay|"
    r"payment will be (made|sent|released)|intend to pay|going to pay|"
    r"werden (\S+ ){0,12}(überweisen|zahlen|bezahlen|begleichen)|"
    r"(überweisen|zahlen|bezahlen|begleichen) wir)\b", re.IGNORECASE)
_QUOTE_HEADER = re.compile(
    r"^(on .{0,200} wrote:|am .{0,200} schrieb.*:|-{2,}\s*(original message|"
    r"ursprüngliche nachricht)\s*-{2,}|from: .+|von: .+)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ReplyReading:
    """What a reply says, and why the reader thinks so."""

    kind: str  # promise | already_paid | dispute | out_of_office | unreadable
    reason: str  # the rule that decided, in words
    message_id: str
    sender: str  # the From address, lower case
    subject: str
    sent_at: dt.datetime | None
    in_reply_to: str | None
    text: str  # the customer's own words
    invoices: tuple[str, ...] = ()
    amount: Decimal | None = None
    date: dt.date | None = None
    attachments: tuple[str, ...] = field(default_factory=tuple)

    @property
    def confident(self) -> bool:
        return self.kind != "unreadable"


def own_words(text: str) -> str:
    """The reply without the quoted message below it."""
    kept: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if _QUOTE_HEADER.match(line.strip()):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeDecodeError):  # an unknown charset: the bytes as latin-1
        payload = part.get_payload(decode=True)
        content = payload.decode("latin-1") if isinstance(payload, bytes) else ""
    if part.get_content_type() == "text/html":
        content = re.sub(r"<blockquote.*?</blockquote>", " ", content, flags=re.S | re.I)
        content = re.sub(r"<br\s*/?>|</p>", "\n", content, flags=re.I)
        content = re.sub(r"<[^>]+>", " ", content)
    return str(content)


def _sent(msg: EmailMessage) -> dt.datetime | None:
    try:
        sent = parsedate_to_datetime(str(msg["Date"])) if msg["Date"] else None
    except (TypeError, ValueError):
        return None
    return sent.astimezone(dt.UTC) if sent is not None and sent.tzinfo else sent


def _auto(msg: EmailMessage) -> bool:
    auto = str(msg.get("Auto-Submitted", "no")).strip().lower()
    return (auto not in ("", "no") or msg.get("X-Autoreply") is not None
            or _AUTO_SUBJECT.match(str(msg.get("Subject", ""))) is not None)


def read_reply(msg: EmailMessage) -> ReplyReading:
    """Classify ``msg`` (see the module's rules)."""
    text = own_words(_body(msg)[:MAX_TEXT])
    subject = str(msg.get("Subject", ""))
    senders = getaddresses([str(msg.get("From", ""))])
    sent = _sent(msg)
    invoices = tuple(dict.fromkeys(n.upper() for n in INVOICE_NUMBER.findall(text))) or \
        tuple(dict.fromkeys(n.upper() for n in INVOICE_NUMBER.findall(subject)))
    base = {
        "message_id": str(msg.get("Message-ID", "")).strip(),
        "sender": senders[0][1].lower() if senders else "",
        "subject": subject, "sent_at": sent,
        "in_reply_to": str(msg["In-Reply-To"]).strip() if msg["In-Reply-To"] else None,
        "text": text, "invoices": invoices,
        "attachments": tuple(str(p.get_filename()) for p in msg.iter_attachments()
                             if p.get_filename()),
    }
    if _auto(msg):
        return ReplyReading("out_of_office", "an automatic reply", **base)
    if (found := _DISPUTE.search(text)) is not None:
        return ReplyReading("dispute", f"contests an invoice ({found.group(0)!r})", **base)
    amounts = sorted({a.amount for a in find_amounts(text)})
    dates = sorted({d.date for d in find_dates(text)})
    if (found := _PAID.search(text)) is not None:
        return ReplyReading("already_paid", f"says it paid ({found.group(0)!r})",
                            amount=amounts[0] if len(amounts) == 1 else None,
                            date=dates[0] if len(dates) == 1 else None, **base)
    if (found := _PROMISE.search(text)) is not None:
        said = f"promises to pay ({found.group(0)[:40]!r})"
        if len(dates) != 1 or len(amounts) != 1:
            return ReplyReading("unreadable", f"{said} but names {len(dates)} dates and "
                                f"{len(amounts)} amounts (one of each needed)", **base)
        if sent is not None and dates[0] < sent.date():
            return ReplyReading("unreadable", f"{said} for {dates[0]}, before the mail's "
                                f"own date {sent.date()}", **base)
        return ReplyReading("promise", said, amount=amounts[0], date=dates[0], **base)
    return ReplyReading("unreadable", "no rule recognises it", **base)
